package dev.orchestra.cli.cluster;

import dev.orchestra.local.state.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The cluster {@code orchestra optimize} uses when no {@code --cluster} is given: the last one
 * {@code orchestra cluster connect} connected, kept in {@code $ORCHESTRA_HOME/default-cluster}.
 */
public final class DefaultTarget {
  private DefaultTarget() {}

  static Path file() {
    return LocalStack.defaultHome().resolve("default-cluster");
  }

  public static Optional<String> read() {
    try {
      Path f = file();
      return Files.isRegularFile(f)
          ? Optional.of(Files.readString(f).trim()).filter(s -> !s.isEmpty())
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(String cluster) {
    try {
      Files.createDirectories(file().getParent());
      Files.writeString(file(), cluster + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Forgets the default when it names {@code cluster} (after a destroy). */
  public static void forget(String cluster) {
    if (read().map(cluster::equals).orElse(false)) {
      try {
        Files.deleteIfExists(file());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
