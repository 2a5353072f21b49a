package dev.orchestra.cli;

import dev.orchestra.cli.api.ApiClient;
import dev.orchestra.cli.api.Endpoint;
import dev.orchestra.cli.api.StackConfig;
import dev.orchestra.local.moto.MotoUnavailableException;
import dev.orchestra.local.state.LocalStack;
import dev.orchestra.local.state.LocalState;
import dev.orchestra.shared.TimeScale;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * Which control plane a command talks to: {@code --local} | {@code --endpoint URL} | the stack
 * {@code orchestra configure} saved | otherwise the local runtime (started when needed).
 */
public final class ApiOptions {
  @Option(
      names = "--local",
      description = "Use the local runtime (started if needed), even when a stack is configured.")
  boolean local;

  @Option(
      names = "--endpoint",
      paramLabel = "URL",
      description = "The Orchestra API URL (default: the stack `orchestra configure` saved).")
  String endpoint;

  @Option(
      names = "--profile",
      paramLabel = "NAME",
      description = "AWS profile to sign with (default: AWS_PROFILE, then the default chain).")
  String profile;

  @Option(
      names = "--region",
      paramLabel = "REGION",
      description =
          "AWS region to sign for (default: the endpoint's, then as the AWS CLI finds it).")
  String region;

  /** The resolved endpoint; progress (starting the local runtime) goes to {@code progress}. */
  public Endpoint resolve(PrintWriter progress) {
    if (local && endpoint != null) {
      throw new UserError("--local and --endpoint contradict each other; give one of them");
    }
    if (local) {
      return localEndpoint(progress);
    }
    if (endpoint != null) {
      return deployed(endpoint, "--endpoint " + endpoint, region, profile);
    }
    Optional<StackConfig> configured = StackConfig.read();
    if (configured.isPresent()) {
      StackConfig c = configured.get();
      String source =
          "the configured stack"
              + (c.stack() == null ? "" : " " + c.stack())
              + " in "
              + StackConfig.file();
      return deployed(
          c.endpoint(),
          source,
          region != null ? region : c.region(),
          profile != null ? profile : c.profile());
    }
    return localEndpoint(progress);
  }

  /** True when the command should use a deployed stack (--endpoint, or one is configured). */
  public boolean remote() {
    return !local && (endpoint != null || StackConfig.read().isPresent());
  }

  public ApiClient client(PrintWriter progress) {
    return new ApiClient(resolve(progress));
  }

  static URI parseUrl(String url, String source) {
    try {
      URI u = URI.create(url.trim());
      if (u.getScheme() == null
          || !(u.getScheme().equalsIgnoreCase("https") || u.getScheme().equalsIgnoreCase("http"))
          || u.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new UserError(
          source
              + ": '"
              + url
              + "' is not an API URL; give e.g. https://abc123.execute-api.us-east-1.amazonaws.com/prod/");
    }
  }

  static Endpoint deployed(String url, String source, String region, String profile) {
    URI u = parseUrl(url, source);
    if (Endpoint.isLoopback(u)) {
      return new Endpoint(u, false, null, null, source);
    }
    String r = region != null ? region : Endpoint.regionOf(u);
    if (r == null) {
      r = defaultRegion(profile);
    }
    return new Endpoint(u, true, r, profile, source);
  }

  /** The region as the AWS CLI finds it: AWS_REGION, the profile's region, instance metadata. */
  static String defaultRegion(String profile) {
    try {
      DefaultAwsRegionProviderChain.Builder b = DefaultAwsRegionProviderChain.builder();
      if (profile != null) {
        b.profileName(profile);
      }
      return b.build().getRegion().id();
    } catch (SdkClientException e) {
      throw new UserError(
          "no AWS region to sign requests with",
          UserError.ENVIRONMENT,
          List.of("  fix: pass --region, set AWS_REGION, or set region in your AWS profile"));
    }
  }

  /** The local runtime's API listener, starting the runtime when it is not up. */
  static Endpoint localEndpoint(PrintWriter progress) {
    TimeScale scale = LocalCommand.timeScale();
    LocalStack stack = LocalCommand.stack(progress);
    LocalState state;
    try {
      LocalStack.Status status = stack.status();
      state = status.running() ? status.state() : stack.up(scale);
    } catch (MotoUnavailableException e) {
      throw new UserError(
          "the AWS emulator did not start: " + e.getMessage(), UserError.ENVIRONMENT);
    } catch (IOException e) {
      throw new UserError(
          "the local runtime's state cannot be read: " + e.getMessage(), UserError.ENVIRONMENT);
    }
    if (state.apiEndpoint() == null || state.apiEndpoint().isEmpty()) {
      throw new UserError(
          "the local runtime does not serve the API (no api_endpoint in " + stack.stateFile() + ")",
          UserError.ENVIRONMENT,
          List.of("  fix: restart it with `orchestra local down && orchestra local up`"));
    }
    return Endpoint.local(URI.create(state.apiEndpoint()));
  }
}
