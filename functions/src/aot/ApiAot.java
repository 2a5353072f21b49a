import io.micronaut.aot.MicronautAotOptimizer;
import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Properties;

/**
 * Micronaut AOT for the API function's jar (the {@code lambda} profile runs it with the JDK's
 * source launcher; Micronaut AOT 2.x publishes no command line of its own). Reads the optimizations
 * from {@code args[0]}, analyses the class path given in {@code args[2]} (comma-separated: the
 * module's classes and runtime dependencies, the API jar's content) and writes the generated
 * classes to {@code args[1]}/classes.
 */
public final class ApiAot {
  private ApiAot() {}

  public static void main(String[] args) throws IOException {
    Properties options = new Properties();
    try (Reader reader = new FileReader(args[0])) {
      options.load(reader);
    }
    options.setProperty("output.directory", args[1]);
    options.setProperty("classpath", args[2]);
    MicronautAotOptimizer.execute(options);
  }
}
