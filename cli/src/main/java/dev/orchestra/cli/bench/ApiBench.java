package dev.orchestra.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orchestra.local.LocalRuntime;
import dev.orchestra.local.LocalRuntimeOptions;
import dev.orchestra.shared.TimeScale;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code orchestra bench api}: requests per second and latency percentiles of {@code GET
 * /experiments/{id}} through the local API endpoint (HTTP → API Gateway proxy event → the API
 * function in-process → DynamoDB on moto), with C clients issuing N requests in all.
 */
@Command(
    name = "api",
    mixinStandardHelpOptions = true,
    description = {
      "Measure GET /experiments/{id} through the local API endpoint: requests per second,",
      "p50 and p99 latency, with N requests from C concurrent clients."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  orchestra bench api",
      "  orchestra bench api --requests 2000 --concurrency 8",
      "  orchestra bench api --endpoint http://127.0.0.1:PORT   (a running `orchestra local up`)"
    })
public final class ApiBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--requests", description = "Requests measured (default 1000).")
  int requests = 1000;

  @Option(names = "--concurrency", description = "Concurrent clients (default 4).")
  int concurrency = 4;

  @Option(names = "--warmup", description = "Requests before measuring (default 200).")
  int warmup = 200;

  @Option(
      names = "--endpoint",
      description = "A running local API (default: start an in-process local runtime).")
  String endpoint;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    LocalRuntime rt = null;
    try {
      String url = endpoint;
      if (url == null) {
        rt = LocalRuntime.start(LocalRuntimeOptions.defaults().withTimeScale(new TimeScale(0.05)));
        url = rt.startApi(0);
        out.println("local runtime up; API at " + url);
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String id = createExperiment(http, url);
      URI target = URI.create(url + "/experiments/" + id);
      out.printf(
          "GET %s: %d warm-up, then %d requests from %d clients%n",
          target, warmup, requests, concurrency);
      out.flush();
      run(http, target, warmup, concurrency);
      long t0 = System.nanoTime();
      long[] latencies = run(http, target, requests, concurrency);
      double wall = (System.nanoTime() - t0) / 1e9;
      Arrays.sort(latencies);
      out.printf(
          "API GET /experiments/{id}: %d requests, concurrency %d: %.0f req/s, p50 %.1f ms,"
              + " p99 %.1f ms, max %.1f ms (wall %.2f s)%n",
          requests,
          concurrency,
          requests / wall,
          percentile(latencies, 50) / 1e6,
          percentile(latencies, 99) / 1e6,
          latencies[latencies.length - 1] / 1e6,
          wall);
      out.flush();
      return 0;
    } finally {
      if (rt != null) {
        rt.close();
      }
    }
  }

  private static String createExperiment(HttpClient http, String url) throws Exception {
    String yaml =
        """
        name: bench-api
        type: random
        metrics: [{name: value}]
        parameters: [{name: x, type: double, bounds: {min: 0, max: 1}}]
        budget: 1
        run:
          run: echo done
        """;
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/experiments"))
                .header("Content-Type", "application/yaml")
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(yaml))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException(
          "POST /experiments answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asText();
  }

  /** N requests from C clients; each latency in nanoseconds. */
  private static long[] run(HttpClient http, URI target, int n, int clients) throws Exception {
    long[] latencies = new long[n];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> futures = new ArrayList<>();
      HttpRequest get = HttpRequest.newBuilder(target).GET().build();
      for (int c = 0; c < clients; c++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    long s = System.nanoTime();
                    HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                    latencies[i] = System.nanoTime() - s;
                    if (r.statusCode() != 200) {
                      throw new IllegalStateException(
                          "GET answered " + r.statusCode() + ": " + r.body());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return latencies;
  }

  static long percentile(long[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
