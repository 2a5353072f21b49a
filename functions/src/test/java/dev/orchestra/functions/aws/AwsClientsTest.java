package dev.orchestra.functions.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestra.functions.OrchestraConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

class AwsClientsTest {

  @Test
  void credentials_whenLambdaSetsSessionToken_signWithIt() {
    // Lambda's environment: the role's temporary credentials, token included.
    AwsClients aws =
        new AwsClients(
            new OrchestraConfig(
                Map.of(
                    "AWS_ACCESS_KEY_ID", "ASIAEXAMPLE",
                    "AWS_SECRET_ACCESS_KEY", "secret",
                    "AWS_SESSION_TOKEN", "token")));
    AwsCredentials c = aws.credentials().resolveCredentials();
    assertThat(c).isInstanceOf(AwsSessionCredentials.class);
    assertThat(((AwsSessionCredentials) c).sessionToken()).isEqualTo("token");
    assertThat(c.accessKeyId()).isEqualTo("ASIAEXAMPLE");
  }

  @Test
  void credentials_whenStaticKeysOnly_signWithoutToken_andOneProviderForAllClients() {
    AwsClients aws =
        new AwsClients(
            new OrchestraConfig(
                Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test")));
    AwsCredentials c = aws.credentials().resolveCredentials();
    assertThat(c).isNotInstanceOf(AwsSessionCredentials.class);
    assertThat(c.secretAccessKey()).isEqualTo("test");
    assertThat(aws.credentials()).isSameAs(aws.credentials());
  }
}
