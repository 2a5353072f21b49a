package dev.orchestra.functions;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every Lambda function of the control plane by its deployed name. CDK deploys one function per
 * entry; the local runtime's router serves invocations of the same names in-process.
 */
public final class FunctionCatalog {

  /** A function: its name and how to build its handler from configuration. */
  public record Entry(String name, Function<OrchestraConfig, RequestStreamHandler> factory) {}

  private static final List<Entry> ENTRIES = List.of();

  private FunctionCatalog() {}

  public static List<Entry> all() {
    return ENTRIES;
  }

  /** Finds a function by name, or by a Lambda ARN (with or without a qualifier). */
  public static Optional<Entry> find(String nameOrArn) {
    String name = nameOrArn;
    if (name.startsWith("arn:")) {
      String[] parts = name.split(":");
      name = parts.length > 6 ? parts[6] : name;
    } else if (name.contains(":")) {
      name = name.substring(0, name.indexOf(':'));
    }
    String wanted = name;
    return ENTRIES.stream().filter(e -> e.name().equals(wanted)).findFirst();
  }
}
