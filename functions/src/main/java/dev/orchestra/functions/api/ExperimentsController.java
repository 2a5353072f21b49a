package dev.orchestra.functions.api;

import dev.orchestra.functions.api.Views.BestEntry;
import dev.orchestra.functions.api.Views.ExperimentSummary;
import dev.orchestra.functions.api.Views.ExperimentView;
import dev.orchestra.functions.api.Views.Items;
import dev.orchestra.functions.api.Views.LogChunk;
import dev.orchestra.functions.api.Views.PageView;
import dev.orchestra.functions.api.Views.RunView;
import dev.orchestra.functions.experiment.ExperimentQueries;
import dev.orchestra.functions.experiment.ExperimentStopper;
import dev.orchestra.functions.intake.IntakeService;
import dev.orchestra.functions.logs.RunLogs;
import dev.orchestra.functions.report.ReportService;
import dev.orchestra.functions.store.DynamoDbExperimentStore.Page;
import dev.orchestra.functions.store.ExperimentRecord;
import dev.orchestra.functions.store.RunRecord;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;

/** Experiments: submit, list, read, runs, best, stop. Decode → one service call → encode. */
@Controller("/experiments")
@Tag(name = "experiments")
public class ExperimentsController {
  static final String RUNS = "runs";
  static final String EXPERIMENTS = "experiments";

  private final IntakeService intake;
  private final ExperimentQueries queries;
  private final ExperimentStopper stopper;
  private final ReportService reports;
  private final RunLogs logs;

  public ExperimentsController(
      IntakeService intake,
      ExperimentQueries queries,
      ExperimentStopper stopper,
      ReportService reports,
      RunLogs logs) {
    this.intake = intake;
    this.queries = queries;
    this.stopper = stopper;
    this.reports = reports;
    this.logs = logs;
  }

  @Operation(
      summary = "Submit an experiment",
      description =
          "experiment.yml as YAML (with an embedded run: block), or JSON {experiment, run?,"
              + " cluster?, pool?}. The same Idempotency-Key starts one experiment: 201 the first"
              + " time, 200 with the same body after.")
  @Post(
      consumes = {
        MediaType.APPLICATION_JSON,
        "application/yaml",
        "text/yaml",
        "application/x-yaml"
      },
      produces = MediaType.APPLICATION_JSON)
  public HttpResponse<ExperimentView> submit(
      @Header("Content-Type") String contentType,
      @Nullable @Header("Idempotency-Key") String idempotencyKey,
      @Nullable @Body String body) {
    Bodies.Submission s = Bodies.experiment(contentType, body);
    String key =
        idempotencyKey == null || idempotencyKey.isBlank()
            ? UUID.randomUUID().toString()
            : idempotencyKey;
    IntakeService.Result r =
        intake.submit(s.experimentText(), s.runText(), key, s.target(), null, null);
    if (!r.accepted()) {
      throw ApiException.invalidConfig(
          "the experiment was rejected: " + r.findings().size() + " problem(s); fix and resend",
          r.findings());
    }
    ExperimentQueries.Detail d = queries.detail(r.experimentId());
    return HttpResponse.<ExperimentView>status(r.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(Views.view(d.experiment(), Views.best(d.best())));
  }

  @Operation(summary = "List experiments, a page at a time")
  @Get(produces = MediaType.APPLICATION_JSON)
  public PageView<ExperimentSummary> list(
      @Nullable @QueryValue("limit") String limit, @Nullable @QueryValue("next") String next) {
    Page<ExperimentRecord> page =
        queries.experiments(Pages.limit(limit), Pages.after(EXPERIMENTS, next));
    return new PageView<>(
        page.items().stream().map(Views::summary).toList(), Pages.token(EXPERIMENTS, page.after()));
  }

  @Operation(summary = "One experiment")
  @Get(uri = "/{id}", produces = MediaType.APPLICATION_JSON)
  public ExperimentView get(@PathVariable("id") String id) {
    ExperimentQueries.Detail d = queries.detail(Ids.id("experiment id", id));
    return Views.view(d.experiment(), Views.best(d.best()));
  }

  @Operation(summary = "The experiment's runs in run-number order, a page at a time")
  @Get(uri = "/{id}/runs", produces = MediaType.APPLICATION_JSON)
  public PageView<RunView> runs(
      @PathVariable("id") String id,
      @Nullable @QueryValue("limit") String limit,
      @Nullable @QueryValue("next") String next) {
    Page<RunRecord> page =
        queries.runs(Ids.id("experiment id", id), Pages.limit(limit), Pages.after(RUNS, next));
    return new PageView<>(
        page.items().stream().map(Views::run).toList(), Pages.token(RUNS, page.after()));
  }

  @Operation(summary = "The best run, or the Pareto frontier when two metrics are optimized")
  @Get(uri = "/{id}/best", produces = MediaType.APPLICATION_JSON)
  public Items<BestEntry> best(@PathVariable("id") String id) {
    return new Items<>(Views.best(queries.best(Ids.id("experiment id", id))));
  }

  @Operation(
      summary = "The experiment's report",
      description =
          "One self-contained HTML file (no network fetches), rendered from the current state and"
              + " stored at reports/<id>/report.html.")
  @Get(uri = "/{id}/report", produces = MediaType.TEXT_HTML)
  public HttpResponse<String> report(@PathVariable("id") String id) {
    String html = reports.html(Ids.id("experiment id", id));
    return HttpResponse.ok(html).contentType(MediaType.TEXT_HTML_TYPE);
  }

  @Operation(
      summary = "A chunk of a run's output",
      description =
          "attempt defaults to the run's current one, offset to 0; at most 1 MiB per chunk;"
              + " complete is true once the attempt ended and next_offset reached the end of its"
              + " output.")
  @Get(uri = "/{id}/runs/{run}/logs", produces = MediaType.APPLICATION_JSON)
  public LogChunk logs(
      @PathVariable("id") String id,
      @PathVariable("run") String run,
      @Nullable @QueryValue("attempt") String attempt,
      @Nullable @QueryValue("offset") String offset) {
    RunLogs.Chunk c =
        logs.read(
            Ids.id("experiment id", id),
            Ids.id("run id", run),
            attempt == null || attempt.isBlank() ? null : (int) number("attempt", attempt, 1),
            offset == null || offset.isBlank() ? 0 : number("offset", offset, 0));
    return new LogChunk(c.runId(), c.attempt(), c.offset(), c.nextOffset(), c.complete(), c.text());
  }

  private static long number(String name, String raw, long min) {
    try {
      long v = Long.parseLong(raw.trim());
      if (v >= min && v <= (name.equals("attempt") ? Integer.MAX_VALUE : Long.MAX_VALUE)) {
        return v;
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw ApiException.badRequest(
        name
            + "="
            + raw
            + " is not a whole number of at least "
            + min
            + (name.equals("offset")
                ? "; pass 0 or the next_offset of the previous chunk"
                : "; attempts count from 1"));
  }

  @Operation(
      summary = "Stop an experiment",
      description =
          "Sets the stop flag, aborts and releases every unfinished run (recorded stopped); the"
              + " status becomes stopped once they are released. Repeating it is harmless.")
  @Post(uri = "/{id}/stop", produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
  public HttpResponse<ExperimentView> stop(@PathVariable("id") String id) {
    ExperimentRecord e = stopper.stop(Ids.id("experiment id", id));
    return HttpResponse.<ExperimentView>status(HttpStatus.ACCEPTED)
        .body(Views.view(e, Views.best(queries.best(e.id()))));
  }
}
