package dev.orchestra.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orchestra.cli.api.StackConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/**
 * {@code orchestra configure}: finds a deployed stack's API URL (CloudFormation DescribeStacks) and
 * saves it in {@code $ORCHESTRA_HOME/config.json}, so later commands talk to it.
 */
@Command(
    name = "configure",
    mixinStandardHelpOptions = true,
    description = {
      "Point the CLI at a deployed Orchestra stack.",
      "Reads the API URL from the stack's ApiUrl output (CloudFormation",
      "DescribeStacks) and saves it, with the region and profile, in",
      "$ORCHESTRA_HOME/config.json (default ~/.orchestra/config.json).",
      "Commands then use it unless given --local or --endpoint.",
      "--unset goes back to the local runtime."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra configure             # stack OrchestraApi, default region",
      "  orchestra configure --stack StagingApi --region eu-west-1 --profile ml",
      "  orchestra configure --endpoint \\",
      "      https://abc123.execute-api.us-east-1.amazonaws.com/prod/",
      "  orchestra configure --unset"
    })
public final class ConfigureCommand implements Callable<Integer> {
  /** The API stack of the default environment (cdk.json orchestra:environment = orchestra). */
  public static final String DEFAULT_STACK = "OrchestraApi";

  /** The API stack's output holding the API URL (cdk ApiStack). */
  public static final String URL_OUTPUT = "ApiUrl";

  @Spec CommandSpec spec;

  @Option(
      names = "--stack",
      paramLabel = "NAME",
      description = "The API stack (default: " + DEFAULT_STACK + ").")
  String stack;

  @Option(names = "--region", paramLabel = "REGION", description = "The stack's region.")
  String region;

  @Option(names = "--profile", paramLabel = "NAME", description = "The AWS profile to use.")
  String profile;

  @Option(
      names = "--endpoint",
      paramLabel = "URL",
      description = "Save this API URL instead of reading the stack.")
  String endpoint;

  @Option(names = "--unset", description = "Forget the configured stack (use the local runtime).")
  boolean unset;

  @Option(names = "--json", description = "Print the saved configuration as JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (unset) {
      boolean had = java.nio.file.Files.deleteIfExists(StackConfig.file());
      out.println(
          had
              ? "forgot the configured stack; commands use the local runtime"
              : "no stack was configured; commands use the local runtime");
      out.flush();
      return 0;
    }
    if (endpoint != null && stack != null) {
      throw new UserError("--endpoint and --stack contradict each other; give one of them");
    }
    StackConfig config;
    if (endpoint != null) {
      ApiOptions.parseUrl(endpoint, "--endpoint");
      config = new StackConfig(endpoint, null, region, profile);
    } else {
      String name = stack != null ? stack : DEFAULT_STACK;
      String r = region != null ? region : ApiOptions.defaultRegion(profile);
      config = new StackConfig(apiUrl(name, r), name, r, profile);
    }
    config.write();
    if (json) {
      ObjectNode doc = ApiCommands.JSON.valueToTree(config);
      doc.put("file", StackConfig.file().toString());
      out.println(ApiCommands.JSON.writeValueAsString(doc));
    } else {
      out.println("API endpoint: " + config.endpoint());
      if (config.stack() != null) {
        out.println("stack:        " + config.stack() + " (" + config.region() + ")");
      }
      if (config.profile() != null) {
        out.println("profile:      " + config.profile());
      }
      out.println("saved to " + StackConfig.file());
    }
    out.flush();
    return 0;
  }

  private String apiUrl(String name, String r) {
    DefaultCredentialsProvider.Builder creds = DefaultCredentialsProvider.builder();
    if (profile != null) {
      creds.profileName(profile);
    }
    try (DefaultCredentialsProvider provider = creds.build();
        CloudFormationClient cfn =
            CloudFormationClient.builder()
                .region(Region.of(r))
                .credentialsProvider(provider)
                .build()) {
      List<Stack> stacks = cfn.describeStacks(b -> b.stackName(name)).stacks();
      if (stacks.isEmpty()) {
        throw notFound(name, r);
      }
      Optional<String> url = outputOf(stacks.get(0));
      return url.orElseThrow(
          () ->
              new UserError(
                  "stack "
                      + name
                      + " in "
                      + r
                      + " has no "
                      + URL_OUTPUT
                      + " output; is it Orchestra's API stack?",
                  UserError.USAGE,
                  List.of(
                      "  fix: give the API stack with --stack (cdk ls lists them, e.g."
                          + " OrchestraApi), or the URL with --endpoint")));
    } catch (SdkServiceException e) {
      if (e.statusCode() == 400 && String.valueOf(e.getMessage()).contains("does not exist")) {
        throw notFound(name, r);
      }
      throw new UserError(
          "CloudFormation refused DescribeStacks for "
              + name
              + " in "
              + r
              + ": "
              + dev.orchestra.cli.api.ApiClient.sdkMessage(e),
          UserError.ENVIRONMENT,
          List.of("  fix: check the credentials and region (--profile, --region)"));
    } catch (SdkClientException e) {
      throw new UserError(
          "cannot ask CloudFormation for stack "
              + name
              + " in "
              + r
              + ": "
              + dev.orchestra.cli.api.ApiClient.sdkMessage(e),
          UserError.ENVIRONMENT,
          List.of(
              "  fix: configure AWS credentials as for the AWS CLI (aws configure, AWS_PROFILE or"
                  + " --profile), or give the URL with --endpoint"));
    }
  }

  private static UserError notFound(String name, String r) {
    return new UserError(
        "no stack " + name + " in " + r,
        UserError.USAGE,
        List.of(
            "  fix: deploy it (cdk deploy --all), or give the stack's name (--stack) and region"
                + " (--region)"));
  }

  static Optional<String> outputOf(Stack s) {
    for (Output o : s.outputs()) {
      if (URL_OUTPUT.equals(o.outputKey())) {
        return Optional.of(o.outputValue());
      }
    }
    // CDK's RestApi also exports its URL as ApiEndpoint<hash>.
    for (Output o : s.outputs()) {
      if (o.outputKey() != null && o.outputKey().startsWith("ApiEndpoint")) {
        return Optional.of(o.outputValue());
      }
    }
    return Optional.empty();
  }
}
