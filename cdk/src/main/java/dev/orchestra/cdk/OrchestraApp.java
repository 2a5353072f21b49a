package dev.orchestra.cdk;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/** The CDK app ({@code cdk.json}'s {@code app}): Orchestra's data, workflows and API stacks. */
public final class OrchestraApp {

  /** The three stacks of one environment. */
  public record Stacks(DataStack data, WorkflowsStack workflows, ApiStack api) {}

  private OrchestraApp() {}

  public static void main(String[] args) {
    App app = new App();
    create(app);
    app.synth();
  }

  /** Adds the stacks to the app, with cdk-nag's AwsSolutions checks unless turned off. */
  public static Stacks create(App app) {
    Settings settings = Settings.from(app.getNode());
    Environment.Builder env = Environment.builder().region(settings.region());
    settings.account().ifPresent(env::account);
    StackProps props = StackProps.builder().env(env.build()).build();
    String prefix = stackPrefix(settings.environment());
    DataStack data = new DataStack(app, prefix + "Data", props, settings);
    WorkflowsStack workflows = new WorkflowsStack(app, prefix + "Workflows", props, settings, data);
    ApiStack api = new ApiStack(app, prefix + "Api", props, settings, workflows);
    Tags.of(app).add("orchestra:environment", settings.environment());
    if (settings.nag()) {
      Aspects.of(app).add(new AwsSolutionsChecks());
    }
    return new Stacks(data, workflows, api);
  }

  private static String stackPrefix(String environment) {
    StringBuilder out = new StringBuilder();
    for (String part : environment.split("-")) {
      out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return out.toString();
  }
}
