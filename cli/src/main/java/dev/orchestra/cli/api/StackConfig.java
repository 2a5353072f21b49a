package dev.orchestra.cli.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.orchestra.cli.UserError;
import dev.orchestra.local.state.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The deployed stack {@code orchestra configure} found: {@code $ORCHESTRA_HOME/config.json}
 * (default {@code ~/.orchestra/config.json}).
 *
 * @param endpoint the API URL (the stack's {@code ApiUrl} output, or {@code --endpoint})
 * @param stack the CloudFormation stack it came from, or null
 * @param region the stack's region, or null (then the default region chain)
 * @param profile the AWS profile to sign with, or null (then AWS_PROFILE / the default chain)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StackConfig(
    @JsonProperty("endpoint") String endpoint,
    @JsonProperty("stack") String stack,
    @JsonProperty("region") String region,
    @JsonProperty("profile") String profile) {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static Path file() {
    return LocalStack.defaultHome().resolve("config.json");
  }

  public static Optional<StackConfig> read() {
    Path f = file();
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      StackConfig c = JSON.readValue(f.toFile(), StackConfig.class);
      if (c.endpoint() == null || c.endpoint().isBlank()) {
        throw new UserError(
            f
                + ": has no endpoint; run `orchestra configure` again, or delete the file to use the"
                + " local runtime");
      }
      return Optional.of(c);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserError(
          f
              + ": is not a valid Orchestra configuration ("
              + e.getOriginalMessage()
              + "); run `orchestra configure` again, or delete the file to use the local runtime");
    } catch (IOException e) {
      throw new UserError(f + ": cannot be read (" + e.getMessage() + ")", UserError.ENVIRONMENT);
    }
  }

  /** Written to a temporary file and moved, so a reader never sees half a file. */
  public void write() throws IOException {
    Path f = file();
    Files.createDirectories(f.getParent());
    Path tmp = f.resolveSibling("config.json." + ProcessHandle.current().pid() + ".tmp");
    Files.writeString(tmp, JSON.writeValueAsString(this) + "\n");
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
