package dev.orchestra.shared.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustPoliciesTest {
  static final String ALICE = "arn:aws:iam::123456789012:user/alice";
  static final String BOB = "arn:aws:iam::123456789012:role/bob";

  @Test
  void addPrincipal_whenNew_trustsIt() {
    String p = TrustPolicies.addPrincipal(TrustPolicies.forPrincipals(List.of(ALICE)), BOB);
    assertThat(TrustPolicies.principals(p)).containsExactly(ALICE, BOB);
  }

  @Test
  void addPrincipal_twice_isUnchanged() {
    String once = TrustPolicies.addPrincipal(TrustPolicies.forPrincipals(List.of(ALICE)), BOB);
    assertThat(TrustPolicies.addPrincipal(once, BOB)).isEqualTo(once);
  }

  @Test
  void removePrincipal_whenTrusted_removesOnlyIt() {
    String p = TrustPolicies.forPrincipals(List.of(ALICE, BOB));
    assertThat(TrustPolicies.principals(TrustPolicies.removePrincipal(p, BOB)))
        .containsExactly(ALICE);
  }

  @Test
  void removePrincipal_whenAbsent_isUnchanged() {
    String p = TrustPolicies.forPrincipals(List.of(ALICE));
    assertThat(TrustPolicies.removePrincipal(p, BOB)).isEqualTo(p);
  }

  @Test
  void removePrincipal_whenLast_refusesWithWhatToDo() {
    String p = TrustPolicies.forPrincipals(List.of(ALICE));
    assertThatThrownBy(() -> TrustPolicies.removePrincipal(p, ALICE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("share the cluster with someone else first");
  }

  @Test
  void principals_readsIamUrlEncodedForm_andSingleStringPrincipal() {
    String doc =
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\""
            + ALICE
            + "\"},\"Action\":\"sts:AssumeRole\"}}";
    String encoded = URLEncoder.encode(doc, StandardCharsets.UTF_8);
    assertThat(TrustPolicies.principals(encoded)).containsExactly(ALICE);
    assertThat(TrustPolicies.principals(TrustPolicies.addPrincipal(encoded, BOB)))
        .containsExactly(ALICE, BOB);
  }

  @Test
  void edits_keepServiceStatements() {
    String doc =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"},"
            + "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\""
            + ALICE
            + "\"]},\"Action\":\"sts:AssumeRole\"}]}";
    String p = TrustPolicies.addPrincipal(doc, BOB);
    assertThat(p).contains("eks.amazonaws.com");
    assertThat(TrustPolicies.principals(p)).containsExactly(ALICE, BOB);
  }

  @Test
  void forPodIdentity_allowsTagSession() {
    assertThat(TrustPolicies.forPodIdentity())
        .contains("pods.eks.amazonaws.com")
        .contains("sts:TagSession");
  }
}
