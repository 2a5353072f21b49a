package dev.orchestra.shared.config;

/**
 * A validated run.yml.
 *
 * @param name optional
 * @param run the command
 * @param image null for none (locally the command runs in the run.yml's folder); see {@link
 *     dev.orchestra.shared.run.ImageReferences#resolve}
 * @param resources never null
 * @param aws the run's own credentials, or null
 */
public record RunConfig(
    String name, RunCommand run, String image, RunResources resources, RunAws aws) {
  public RunConfig {
    resources = resources == null ? RunResources.NONE : resources;
  }

  public boolean hasAwsCredentials() {
    return aws != null;
  }

  /** The stored form: the run's credentials dropped. */
  public RunConfig redacted() {
    return aws == null ? this : new RunConfig(name, run, image, resources, null);
  }
}
