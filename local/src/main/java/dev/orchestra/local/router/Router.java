package dev.orchestra.local.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.orchestra.local.router.FaultInjector.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local runtime's AWS endpoint, on loopback. It serves Lambda {@code Invoke} in-process (the
 * handler from the {@link LambdaInvoker}), answers the calls its {@link GapFiller}s cover, and
 * forwards every other request to moto unchanged. Requests run concurrently on a thread pool.
 *
 * <p>{@code GET /_orchestra/health} answers 200 once the runtime marked itself ready, 503 before;
 * until then Lambda {@code Invoke} answers 503 too (a retryable error for SDK clients). {@link
 * #restart()} rebinds the same port, as a restarted runtime would.
 */
public final class Router implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);
  private static final Pattern INVOKE =
      Pattern.compile("^/2015-03-31/functions/([^/]+)/invocations/?$");
  public static final String HEALTH_PATH = "/_orchestra/health";

  /** The fault injector's admin endpoint: POST rules, GET counts, DELETE to clear. */
  public static final String FAULTS_PATH = "/_orchestra/faults";

  private static final com.fasterxml.jackson.databind.ObjectMapper ADMIN_JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private final FaultInjector faults = new FaultInjector();
  private final List<Consumer<RouterRequest>> observers = new CopyOnWriteArrayList<>();

  private final int port;
  private final LambdaInvoker invoker;
  private final List<GapFiller> gapFillers;
  private final MotoForwarder moto;
  private final ExecutorService pool;
  private final CallStats stats = new CallStats();
  private volatile HttpServer server;
  private volatile boolean ready;
  private volatile int boundPort;

  /**
   * @param port the port to listen on (0 picks one; {@link #port()} tells which)
   * @param motoPort where moto listens
   */
  public Router(int port, int motoPort, LambdaInvoker invoker, List<GapFiller> gapFillers) {
    this.port = port;
    this.invoker = invoker;
    this.gapFillers = List.copyOf(gapFillers);
    this.moto = new MotoForwarder(motoPort);
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "router-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized Router start() throws IOException {
    if (server != null) {
      return this;
    }
    int wanted = boundPort > 0 ? boundPort : port;
    HttpServer s = bind(wanted);
    s.setExecutor(pool);
    s.createContext("/", this::handle);
    s.start();
    server = s;
    boundPort = s.getAddress().getPort();
    LOG.info("router listening on {}", url());
    return this;
  }

  private static HttpServer bind(int port) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try {
        return HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
      } catch (BindException e) {
        if (port == 0 || System.nanoTime() > deadline) {
          throw new BindException("port " + port + " is in use: " + e.getMessage());
        }
        try {
          Thread.sleep(50); // waiting for the kernel to free the port; no event to wait on
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Stops listening; in-flight requests lose their connection (clients retry). */
  public synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
      LOG.info("router stopped");
    }
  }

  /** Stops and starts again on the same port. */
  public void restart() throws IOException {
    stop();
    start();
  }

  @Override
  public void close() {
    stop();
    pool.shutdownNow();
  }

  public int port() {
    return boundPort;
  }

  public String url() {
    return "http://127.0.0.1:" + boundPort;
  }

  public void setReady(boolean ready) {
    this.ready = ready;
  }

  /** Every call the router served since the last {@link CallStats#reset()}, by caller. */
  public CallStats stats() {
    return stats;
  }

  private void handle(HttpExchange exchange) throws IOException {
    long t0 = System.nanoTime();
    boolean error = true;
    byte[] seen = null;
    try {
      seen = exchange.getRequestBody().readAllBytes();
      error = serve(exchange, seen) >= 400;
    } finally {
      if (seen != null && !exchange.getRequestURI().getRawPath().equals(HEALTH_PATH)) {
        stats.record(classify(exchange, seen), System.nanoTime() - t0, error);
      }
    }
  }

  /** Serves one request; returns the status sent. */
  private int serve(HttpExchange exchange, byte[] body) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod();
      if (path.equals(HEALTH_PATH)) {
        respond(exchange, ready ? 200 : 503, "{\"ready\":" + ready + "}");
        return ready ? 200 : 503;
      }
      if (path.equals(FAULTS_PATH)) {
        return admin(exchange, method, body);
      }
      RouterRequest request = toRequest(exchange, body);
      Optional<FaultInjector.Fault> fault = faults.match(request);
      if (fault.isPresent() && !fault.get().after() && fault.get().kind() != Kind.DUPLICATE) {
        LOG.debug("injecting {} into {} {}", fault.get().kind(), method, path);
        Matcher invokeMatch = INVOKE.matcher(path);
        return sendResponse(
            exchange,
            fault.get().kind() == Kind.FAIL && invokeMatch.matches()
                ? FaultInjector.functionError(fault.get())
                : FaultInjector.error(request, fault.get()));
      }
      Matcher invoke = INVOKE.matcher(path);
      if (method.equals("POST") && invoke.matches()) {
        if (!ready) {
          // Starting (or stopping): the engine's client retries a 503. A restarted runtime first
          // reports the attempts its predecessor lost, so a RecordFailure retried since then sees
          // the carrier's word.
          exchange.getResponseHeaders().set("X-Amzn-ErrorType", "ServiceException");
          respond(exchange, 503, error("ServiceException", "the local runtime is not ready yet"));
          return 503;
        }
        String function = URLDecoder.decode(invoke.group(1), StandardCharsets.UTF_8);
        if (fault.isPresent()) {
          // After the handler ran (its side effects happened): a second delivery, or an error
          // instead of its answer.
          for (int i = 0; i < fault.get().extraDeliveries(); i++) {
            invoker.invoke(function, body);
          }
          if (fault.get().kind() != Kind.DUPLICATE) {
            return sendResponse(
                exchange,
                fault.get().kind() == Kind.FAIL
                    ? FaultInjector.functionError(fault.get())
                    : FaultInjector.error(request, fault.get()));
          }
        }
        int status = invoke(exchange, function, body);
        notifyObservers(request);
        return status;
      }
      for (GapFiller filler : gapFillers) {
        if (filler.handles(request)) {
          RouterResponse response = filler.handle(request);
          if (fault.isPresent()) {
            if (fault.get().kind() == Kind.DUPLICATE) {
              for (int i = 0; i < fault.get().extraDeliveries(); i++) {
                response = filler.handle(request);
              }
            } else {
              response = FaultInjector.error(request, fault.get());
            }
          }
          int status = sendResponse(exchange, response);
          notifyObservers(request);
          return status;
        }
      }
      try {
        if (fault.isPresent()) {
          int status = 0;
          for (int i = 0; i < fault.get().extraDeliveries(); i++) {
            status = moto.forwardDiscarding(exchange, body);
          }
          LOG.debug("{} {} took effect ({}), then {}", method, path, status, fault.get().kind());
          if (fault.get().kind() != Kind.DUPLICATE) {
            int sent = sendResponse(exchange, FaultInjector.error(request, fault.get()));
            notifyObservers(request);
            return sent;
          }
        }
        int status = moto.forward(exchange, body);
        notifyObservers(request);
        return status;
      } catch (java.net.ConnectException e) {
        respond(
            exchange, 502, error("ServiceUnavailable", "moto is not answering: " + e.getMessage()));
        return 502;
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug(
          "request {} {} failed: {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI(),
          e.toString());
      throw e;
    }
  }

  /** The fault injector: rules and counts (also at {@code /_orchestra/faults}). */
  public FaultInjector faults() {
    return faults;
  }

  /**
   * Calls {@code observer} with every AWS request the router served (forwarded, filled or invoked),
   * after its answer was sent; for tests that audit every store write.
   */
  public void observe(Consumer<RouterRequest> observer) {
    observers.add(observer);
  }

  public void stopObserving(Consumer<RouterRequest> observer) {
    observers.remove(observer);
  }

  private void notifyObservers(RouterRequest request) {
    for (Consumer<RouterRequest> o : observers) {
      try {
        o.accept(request);
      } catch (RuntimeException e) {
        LOG.warn("router observer failed: {}", e.toString());
      }
    }
  }

  private int admin(HttpExchange exchange, String method, byte[] body) throws IOException {
    try {
      switch (method) {
        case "GET" -> {
          respond(exchange, 200, ADMIN_JSON.writeValueAsString(faults.report()));
          return 200;
        }
        case "DELETE" -> {
          faults.clear();
          respond(exchange, 200, "{\"cleared\":true}");
          return 200;
        }
        case "POST" -> {
          com.fasterxml.jackson.databind.JsonNode doc = ADMIN_JSON.readTree(body);
          if (doc.has("seed")) {
            faults.seed(doc.get("seed").asLong());
          }
          com.fasterxml.jackson.databind.JsonNode rules = doc.has("rules") ? doc.get("rules") : doc;
          List<FaultInjector.Rule> parsed = new ArrayList<>();
          for (com.fasterxml.jackson.databind.JsonNode r :
              rules.isArray() ? rules : ADMIN_JSON.createArrayNode().add(rules)) {
            parsed.add(ADMIN_JSON.treeToValue(r, FaultInjector.Rule.class));
          }
          parsed.forEach(faults::add);
          LOG.info("fault injector: {} rule(s) added", parsed.size());
          respond(exchange, 200, ADMIN_JSON.writeValueAsString(faults.report()));
          return 200;
        }
        default -> {
          respond(exchange, 405, error("MethodNotAllowed", "GET, POST or DELETE"));
          return 405;
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      String why =
          e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      respond(
          exchange,
          400,
          error(
              "InvalidFaultRule",
              why
                  + " (a rule: {\"service\":\"dynamodb\",\"operation\":\"PutItem\",\"kind\":\"THROTTLE\",\"count\":3})"));
      return 400;
    }
  }

  private static int sendResponse(HttpExchange exchange, RouterResponse response)
      throws IOException {
    response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    send(exchange, response.status(), response.body());
    return response.status();
  }

  private int invoke(HttpExchange exchange, String function, byte[] payload) throws IOException {
    String type =
        Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type"))
            .orElse("RequestResponse");
    if (type.equals("DryRun")) {
      send(exchange, 204, new byte[0]);
      return 204;
    }
    if (type.equals("Event")) {
      pool.execute(() -> invoker.invoke(function, payload));
      send(exchange, 202, new byte[0]);
      return 202;
    }
    Optional<LambdaInvoker.Result> result = invoker.invoke(function, payload);
    if (result.isEmpty()) {
      exchange.getResponseHeaders().set("X-Amzn-ErrorType", "ResourceNotFoundException");
      respond(
          exchange,
          404,
          error(
              "ResourceNotFoundException",
              "Function not found: "
                  + function
                  + " (the local runtime serves the functions of FunctionCatalog)"));
      return 404;
    }
    exchange.getResponseHeaders().set("X-Amz-Executed-Version", "$LATEST");
    if (result.get().failed()) {
      exchange.getResponseHeaders().set("X-Amz-Function-Error", result.get().functionError());
    }
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    send(exchange, 200, result.get().payload());
    return 200;
  }

  /**
   * Who called which service for what: the caller from the User-Agent ({@code engine} for moto's
   * Step Functions engine, which calls through botocore; {@code runtime}, {@code bench} or {@code
   * tool} for clients that say so with a {@code orchestra/<caller>} user-agent suffix; {@code
   * functions} for any other Java SDK client, the handlers), the service from the SigV4 credential
   * scope, and the operation from {@code X-Amz-Target}, a query-protocol {@code Action}, or for
   * REST APIs the method and resource kind.
   */
  static CallStats.Key classify(HttpExchange exchange, byte[] body) {
    String path = exchange.getRequestURI().getRawPath();
    String method = exchange.getRequestMethod();
    return classify(
        method,
        path,
        exchange.getRequestHeaders().getFirst("User-Agent"),
        exchange.getRequestHeaders().getFirst("Authorization"),
        exchange.getRequestHeaders().getFirst("X-Amz-Target"),
        body);
  }

  private static final Pattern SUFFIX = Pattern.compile("orchestra/([a-z-]+)");
  private static final Pattern SCOPE = Pattern.compile("Credential=[^/]*/[^/]*/[^/]*/([^/]+)/");
  private static final Pattern ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z]+)");

  static CallStats.Key classify(
      String method,
      String path,
      String userAgent,
      String authorization,
      String target,
      byte[] body) {
    String ua = userAgent == null ? "" : userAgent;
    String caller;
    Matcher suffix = SUFFIX.matcher(ua);
    if (suffix.find()) {
      caller = suffix.group(1);
    } else if (ua.contains("Boto3") || ua.contains("Botocore") || ua.contains("botocore")) {
      caller = "engine";
    } else {
      caller = "functions";
    }
    Matcher invoke = INVOKE.matcher(path);
    if (invoke.matches()) {
      return new CallStats.Key(
          caller,
          "lambda",
          "Invoke "
              + LambdaInvoker.functionName(
                  URLDecoder.decode(invoke.group(1), StandardCharsets.UTF_8)));
    }
    String service = "?";
    if (authorization != null) {
      Matcher scope = SCOPE.matcher(authorization);
      if (scope.find()) {
        service = scope.group(1);
      }
    }
    String operation;
    if (target != null && !target.isBlank()) {
      operation = target.substring(target.lastIndexOf('.') + 1);
    } else {
      Matcher action =
          ACTION.matcher(
              body.length > 0 && body.length < 4096
                  ? new String(body, StandardCharsets.UTF_8)
                  : "");
      if (action.find()) {
        operation = action.group(1);
      } else if (service.equals("s3")) {
        long segments = java.util.Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).count();
        operation = method + (segments <= 1 ? " bucket" : " object");
      } else {
        operation = method + " " + path.replaceAll("/[^/]*[0-9][^/]*", "/*");
      }
    }
    return new CallStats.Key(caller, service, operation);
  }

  private static String error(String type, String message) {
    return "{\"Type\":\"User\",\"__type\":\""
        + type
        + "\",\"message\":\""
        + message.replace("\\", "\\\\").replace("\"", "\\\"")
        + "\"}";
  }

  private static RouterRequest toRequest(HttpExchange exchange, byte[] body) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    exchange
        .getRequestHeaders()
        .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), new ArrayList<>(v)));
    return new RouterRequest(
        exchange.getRequestMethod(),
        exchange.getRequestURI().getRawPath(),
        exchange.getRequestURI().getRawQuery(),
        headers,
        body);
  }

  private static void respond(HttpExchange exchange, int status, String json) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    send(exchange, status, json.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    boolean empty = body.length == 0 || exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, empty ? -1 : body.length);
    if (!empty) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
