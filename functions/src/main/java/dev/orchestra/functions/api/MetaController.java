package dev.orchestra.functions.api;

import dev.orchestra.functions.api.Views.VersionView;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.info.Info;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** The API's own description: its OpenAPI document (generated at compile time) and version. */
@OpenAPIDefinition(
    info =
        @Info(
            title = "orchestra",
            version = "1",
            description =
                "Orchestra's REST API: experiments and clusters. Errors are JSON {code, message,"
                    + " findings}; lists are paginated with ?limit and ?next."))
@Controller
public class MetaController {
  /** Where micronaut-openapi writes the document ({@code <title>-<version>.yml}). */
  public static final String OPENAPI_RESOURCE = "META-INF/swagger/orchestra-1.yml";

  @Operation(summary = "This API's OpenAPI document")
  @Get(uri = "/openapi.yml", produces = "application/yaml")
  public HttpResponse<String> openapi() {
    return HttpResponse.ok(resource(OPENAPI_RESOURCE)).contentType("application/yaml");
  }

  @Operation(summary = "The deployed version")
  @Get(uri = "/version", produces = MediaType.APPLICATION_JSON)
  public VersionView version() {
    Properties p = new Properties();
    try (InputStream in =
        MetaController.class.getResourceAsStream("/orchestra/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new VersionView(p.getProperty("version", "unknown"));
  }

  static String resource(String name) {
    try (InputStream in = MetaController.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar; rebuild the functions");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
