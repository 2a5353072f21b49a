package dev.orchestra.local.router;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the router answer chosen AWS calls with the errors AWS itself sends — throttling, 500 and
 * 503 in each service's own protocol — or lose a response after the call took effect, or deliver a
 * call twice. Rules are set through the router's admin endpoint ({@code POST /_orchestra/faults},
 * {@code GET} for counts, {@code DELETE} to clear) or {@link #add}; every call the router serves is
 * counted per {@code service:Operation}, so a test can prove the retries happened.
 *
 * <p>A rule matches a request by SigV4 signing name ({@code dynamodb}, {@code states}, {@code eks},
 * {@code iam}, {@code ec2}, {@code lambda}, ...), optionally by operation ({@link
 * #operation(RouterRequest)}) and by texts that the path or body must contain ({@code contains},
 * e.g. a function and a cluster name); it fires for the next {@code count} matches (negative: no
 * limit), each with probability {@code rate} (seeded, so a campaign repeats).
 *
 * <p>{@link Kind#INSUFFICIENT_CAPACITY} is EC2's capacity refusal: {@code RunInstances} for one
 * {@code instanceType} (and with {@code spotOnly}, only when {@code InstanceMarketOptions} asks for
 * spot) answers HTTP 500 {@code InsufficientInstanceCapacity} in EC2's error XML, as EC2 does when
 * an Availability Zone has no capacity of that type; other types, or on-demand, go through. Set it
 * with {@link Rule#insufficientCapacity} or as JSON: {@code {"service":"ec2","kind":
 * "INSUFFICIENT_CAPACITY","instanceType":"g5.xlarge","spotOnly":true}}.
 */
public final class FaultInjector {

  /** What a firing rule does. */
  public enum Kind {
    /** The service's throttling error (retryable). */
    THROTTLE,
    /** 500 InternalFailure (InternalServerError for DynamoDB; retryable). */
    INTERNAL,
    /** 503 ServiceUnavailable (retryable). */
    UNAVAILABLE,
    /**
     * The error {@code code} with {@code status} (a non-retryable failure); for Lambda Invoke an
     * Unhandled function error whose {@code errorType} is {@code code}.
     */
    FAIL,
    /** The call takes effect, then its response is replaced by a 503 (the caller retries it). */
    RESPONSE_LOST,
    /** The call is delivered twice (a Lambda invoked twice, a message sent twice). */
    DUPLICATE,
    /**
     * EC2 {@code RunInstances} of the rule's {@code instanceType} (spot only with {@code spotOnly})
     * refused with HTTP 500 {@code InsufficientInstanceCapacity}.
     */
    INSUFFICIENT_CAPACITY
  }

  /**
   * One rule.
   *
   * @param after for THROTTLE/INTERNAL/UNAVAILABLE/FAIL: apply the fault after the call took effect
   * @param copies for DUPLICATE: how many times the call is delivered (default 2)
   * @param instanceType only EC2 requests whose {@code InstanceType} parameter is exactly this
   * @param spotOnly only EC2 requests whose {@code InstanceMarketOptions.MarketType} is {@code
   *     spot}
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Rule(
      String service,
      String operation,
      List<String> contains,
      Kind kind,
      Integer count,
      Double rate,
      String code,
      Integer status,
      Boolean after,
      Integer copies,
      String instanceType,
      Boolean spotOnly) {

    public Rule {
      if (service == null || service.isBlank()) {
        throw new IllegalArgumentException("a fault rule needs service (the SigV4 signing name)");
      }
      if (kind == null) {
        throw new IllegalArgumentException("a fault rule needs kind: " + List.of(Kind.values()));
      }
      if (kind == Kind.INSUFFICIENT_CAPACITY) {
        if (!"ec2".equals(service)) {
          throw new IllegalArgumentException(
              "kind INSUFFICIENT_CAPACITY is an EC2 refusal: set service to ec2");
        }
        if (instanceType == null || instanceType.isBlank()) {
          throw new IllegalArgumentException(
              "kind INSUFFICIENT_CAPACITY needs instanceType (e.g. g5.xlarge)");
        }
        if (operation == null) {
          operation = "RunInstances";
        }
        if (count == null) {
          count = -1;
        }
      }
    }

    public Rule(
        String service,
        String operation,
        List<String> contains,
        Kind kind,
        Integer count,
        Double rate,
        String code,
        Integer status,
        Boolean after,
        Integer copies) {
      this(
          service, operation, contains, kind, count, rate, code, status, after, copies, null, null);
    }

    public static Rule next(int count, String service, String operation, Kind kind) {
      return new Rule(service, operation, null, kind, count, null, null, null, null, null);
    }

    public static Rule rate(double rate, String service, String operation, Kind kind) {
      return new Rule(service, operation, null, kind, -1, rate, null, null, null, null);
    }

    /**
     * Every {@code RunInstances} of {@code instanceType} (with {@code spotOnly}, only spot ones)
     * refused with {@code InsufficientInstanceCapacity}, until cleared.
     */
    public static Rule insufficientCapacity(String instanceType, boolean spotOnly) {
      return new Rule(
          "ec2",
          "RunInstances",
          null,
          Kind.INSUFFICIENT_CAPACITY,
          -1,
          null,
          null,
          null,
          null,
          null,
          instanceType,
          spotOnly);
    }

    /** Only requests whose path or body contains every one of these texts. */
    public Rule containing(String... texts) {
      return new Rule(
          service,
          operation,
          List.of(texts),
          kind,
          count,
          rate,
          code,
          status,
          after,
          copies,
          instanceType,
          spotOnly);
    }

    public Rule failing(String errorCode, int httpStatus) {
      return new Rule(
          service,
          operation,
          contains,
          Kind.FAIL,
          count,
          rate,
          errorCode,
          httpStatus,
          after,
          copies,
          instanceType,
          spotOnly);
    }

    public Rule afterEffect() {
      return new Rule(
          service,
          operation,
          contains,
          kind,
          count,
          rate,
          code,
          status,
          true,
          copies,
          instanceType,
          spotOnly);
    }

    /** Delivered {@code n} times in all (kind DUPLICATE). */
    public Rule times(int n) {
      return new Rule(
          service,
          operation,
          contains,
          kind,
          count,
          rate,
          code,
          status,
          after,
          n,
          instanceType,
          spotOnly);
    }

    int deliveries() {
      return copies == null ? 2 : Math.max(1, copies);
    }

    boolean applyAfter() {
      return kind == Kind.RESPONSE_LOST || Boolean.TRUE.equals(after);
    }
  }

  /** A rule that fired for one request. */
  public record Fault(Rule rule) {
    public Kind kind() {
      return rule.kind();
    }

    public boolean after() {
      return rule.applyAfter();
    }

    /** Extra deliveries before the one whose answer the caller gets (kind DUPLICATE). */
    public int extraDeliveries() {
      return rule.kind() == Kind.DUPLICATE ? rule.deliveries() - 1 : 1;
    }
  }

  private static final class Armed {
    final Rule rule;
    final AtomicLong remaining;
    final AtomicLong fired = new AtomicLong();
    final AtomicLong matched = new AtomicLong();

    Armed(Rule rule) {
      this.rule = rule;
      this.remaining = new AtomicLong(rule.count() == null ? 1 : rule.count());
    }
  }

  private final List<Armed> rules = new ArrayList<>();
  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> injected = new ConcurrentHashMap<>();
  private Random random = new Random(1);

  public synchronized FaultInjector add(Rule rule) {
    rules.add(new Armed(rule));
    return this;
  }

  public synchronized void seed(long seed) {
    random = new Random(seed);
  }

  /** Removes every rule and resets the counts. */
  public synchronized void clear() {
    rules.clear();
    calls.clear();
    injected.clear();
  }

  /** Calls the router served, by {@code service:Operation}, since the last {@link #clear()}. */
  public long calls(String service, String operation) {
    AtomicLong n = calls.get(service + ":" + operation);
    return n == null ? 0 : n.get();
  }

  /** Faults injected, by {@code service:Operation}. */
  public long injected(String service, String operation) {
    AtomicLong n = injected.get(service + ":" + operation);
    return n == null ? 0 : n.get();
  }

  /** Faults injected for one service, all operations. */
  public long injected(String service) {
    return injected.entrySet().stream()
        .filter(e -> e.getKey().startsWith(service + ":"))
        .mapToLong(e -> e.getValue().get())
        .sum();
  }

  /** Counts for the admin endpoint. */
  public synchronized Map<String, Object> report() {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> r = new ArrayList<>();
    for (Armed a : rules) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rule", a.rule);
      m.put("matched", a.matched.get());
      m.put("fired", a.fired.get());
      r.add(m);
    }
    out.put("rules", r);
    out.put("calls", snapshot(calls));
    out.put("injected", snapshot(injected));
    return out;
  }

  private static Map<String, Long> snapshot(Map<String, AtomicLong> m) {
    Map<String, Long> out = new java.util.TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Counts the request and returns the fault to apply to it, if a rule fires. */
  public Optional<Fault> match(RouterRequest request) {
    String service = request.service().orElse("unknown");
    String operation = operation(request);
    String key = service + ":" + operation;
    calls.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    synchronized (this) {
      if (rules.isEmpty()) {
        return Optional.empty();
      }
      String haystack = null;
      for (Armed a : rules) {
        Rule r = a.rule;
        if (!r.service().equals(service)
            || (r.operation() != null && !r.operation().equals(operation))) {
          continue;
        }
        if (r.contains() != null) {
          if (haystack == null) {
            haystack =
                URLDecoderQuiet.decode(request.path())
                    + "\n"
                    + new String(request.body(), StandardCharsets.UTF_8);
          }
          String h = haystack;
          if (!r.contains().stream().allMatch(h::contains)) {
            continue;
          }
        }
        if (r.instanceType() != null || Boolean.TRUE.equals(r.spotOnly())) {
          Map<String, String> params = queryParameters(request);
          if (r.instanceType() != null && !r.instanceType().equals(params.get("InstanceType"))) {
            continue;
          }
          if (Boolean.TRUE.equals(r.spotOnly())
              && !"spot".equals(params.get("InstanceMarketOptions.MarketType"))) {
            continue;
          }
        }
        a.matched.incrementAndGet();
        if (a.remaining.get() == 0) {
          continue;
        }
        if (r.rate() != null && random.nextDouble() >= r.rate()) {
          continue;
        }
        if (a.remaining.get() > 0) {
          a.remaining.decrementAndGet();
        }
        a.fired.incrementAndGet();
        injected.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        return Optional.of(new Fault(r));
      }
      return Optional.empty();
    }
  }

  /**
   * The parameters of a query-protocol request (EC2, IAM, ...): the form body and the query string,
   * decoded; the first value of a name wins.
   */
  static Map<String, String> queryParameters(RouterRequest request) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String source :
        new String[] {new String(request.body(), StandardCharsets.UTF_8), request.rawQuery()}) {
      if (source == null || source.isEmpty()) {
        continue;
      }
      for (String pair : source.split("&")) {
        int eq = pair.indexOf('=');
        String name = URLDecoderQuiet.decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : URLDecoderQuiet.decode(pair.substring(eq + 1));
        out.putIfAbsent(name, value);
      }
    }
    return out;
  }

  private static final class URLDecoderQuiet {
    static String decode(String s) {
      try {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return s;
      }
    }
  }

  private static final Pattern ACTION = Pattern.compile("(?:^|&)Action=([A-Za-z0-9]+)");
  private static final Pattern INVOKE = Pattern.compile("^/2015-03-31/functions/[^/]+/invocations");

  /**
   * The API operation of a request: from {@code X-Amz-Target} (JSON protocols), {@code Action=}
   * (query protocols: IAM, EC2, STS), or the REST path (EKS, Lambda Invoke); otherwise {@code
   * METHOD /first-segment}.
   */
  public static String operation(RouterRequest r) {
    Optional<String> target = r.target();
    if (target.isPresent()) {
      String t = target.get();
      return t.substring(t.lastIndexOf('.') + 1);
    }
    for (String source :
        new String[] {r.rawQuery(), new String(r.body(), StandardCharsets.ISO_8859_1)}) {
      if (source != null) {
        Matcher m = ACTION.matcher(source);
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    String path = r.path();
    if (INVOKE.matcher(path).find()) {
      return "Invoke";
    }
    if ("eks".equals(r.service().orElse(""))) {
      return eksOperation(r.method(), path);
    }
    String[] seg = path.split("/");
    return r.method() + " /" + (seg.length > 1 ? seg[1] : "");
  }

  private static String eksOperation(String method, String path) {
    String[] s = path.replaceAll("^/|/$", "").split("/");
    // clusters[/name[/sub[/item]]]
    String sub = s.length >= 3 ? s[2] : null;
    boolean item = sub == null ? s.length >= 2 : s.length >= 4;
    String noun =
        switch (sub == null ? "clusters" : sub) {
          case "clusters" -> "Cluster";
          case "node-groups" -> "Nodegroup";
          case "access-entries" -> "AccessEntry";
          case "addons" -> "Addon";
          case "pod-identity-associations" -> "PodIdentityAssociation";
          case "updates" -> "Update";
          default -> sub;
        };
    return switch (method) {
      case "POST" -> item ? "Update" + noun : "Create" + noun;
      case "DELETE" -> "Delete" + noun;
      case "GET" -> item ? "Describe" + noun : "List" + plural(noun);
      default -> method + noun;
    };
  }

  private static String plural(String noun) {
    return noun.endsWith("y") ? noun.substring(0, noun.length() - 1) + "ies" : noun + "s";
  }

  /** The error AWS sends for this fault, in the request's service's protocol. */
  public static RouterResponse error(RouterRequest request, Fault fault) {
    String service = request.service().orElse("unknown");
    Kind kind = fault.kind() == Kind.RESPONSE_LOST ? Kind.UNAVAILABLE : fault.kind();
    String code;
    int status;
    String message = "injected by the local router's fault injector (" + kind + ")";
    switch (kind) {
      case INSUFFICIENT_CAPACITY -> {
        code = "InsufficientInstanceCapacity";
        status = 500;
        String type = fault.rule().instanceType();
        // EC2's own wording; the SDK surfaces it as Ec2Exception with this error code.
        message =
            "We currently do not have sufficient "
                + type
                + " capacity in the Availability Zone you requested. Our system will be working"
                + " on provisioning additional capacity. You can currently get "
                + type
                + " capacity by not specifying an Availability Zone in your request or choosing"
                + " a different one. (injected by the local router's fault injector)";
      }
      case THROTTLE -> {
        code = throttleCode(service);
        status = throttleStatus(service);
      }
      case INTERNAL -> {
        code =
            switch (service) {
              case "dynamodb" -> "InternalServerError";
              case "s3", "ec2" -> "InternalError";
              case "lambda" -> "ServiceException";
              default -> "InternalFailure";
            };
        status = 500;
      }
      case UNAVAILABLE -> {
        code = service.equals("s3") || service.equals("ec2") ? "Unavailable" : "ServiceUnavailable";
        code = service.equals("lambda") ? "ServiceException" : code;
        status = 503;
      }
      default -> {
        code = fault.rule().code() == null ? "InjectedFailure" : fault.rule().code();
        status = fault.rule().status() == null ? 400 : fault.rule().status();
      }
    }
    String requestId = UUID.randomUUID().toString();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-amzn-RequestId", requestId);
    String body;
    switch (protocol(request)) {
      case JSON -> {
        headers.put("Content-Type", "application/x-amz-json-1.0");
        headers.put("x-amzn-ErrorType", code);
        String prefix = service.equals("dynamodb") ? "com.amazonaws.dynamodb.v20120810#" : "";
        body = "{\"__type\":\"" + prefix + code + "\",\"message\":\"" + message + "\"}";
      }
      case REST_JSON -> {
        headers.put("Content-Type", "application/json");
        headers.put("x-amzn-ErrorType", code);
        body = "{\"Type\":\"Service\",\"message\":\"" + message + "\"}";
      }
      case EC2 -> {
        headers.put("Content-Type", "text/xml;charset=UTF-8");
        body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message></Error></Errors><RequestID>"
                + requestId
                + "</RequestID></Response>";
      }
      case REST_XML -> {
        headers.put("Content-Type", "application/xml");
        body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message><RequestId>"
                + requestId
                + "</RequestId></Error>";
      }
      default -> {
        headers.put("Content-Type", "text/xml");
        body =
            "<ErrorResponse><Error><Type>"
                + (status >= 500 ? "Receiver" : "Sender")
                + "</Type><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message></Error><RequestId>"
                + requestId
                + "</RequestId></ErrorResponse>";
      }
    }
    return new RouterResponse(status, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  /** A Lambda function error (Unhandled) with the rule's code as errorType. */
  static RouterResponse functionError(Fault fault) {
    String type = fault.rule().code() == null ? "InjectedFailure" : fault.rule().code();
    String body =
        "{\"errorType\":\""
            + type
            + "\",\"errorMessage\":\"injected by the local router's fault injector\","
            + "\"stackTrace\":[]}";
    return new RouterResponse(
        200,
        Map.of(
            "Content-Type",
            "application/json",
            "X-Amz-Function-Error",
            "Unhandled",
            "X-Amz-Executed-Version",
            "$LATEST"),
        body.getBytes(StandardCharsets.UTF_8));
  }

  private static String throttleCode(String service) {
    return switch (service) {
      case "dynamodb" -> "ProvisionedThroughputExceededException";
      case "lambda" -> "TooManyRequestsException";
      case "eks" -> "TooManyRequestsException";
      case "iam", "sts" -> "Throttling";
      case "ec2" -> "RequestLimitExceeded";
      case "s3" -> "SlowDown";
      case "sqs" -> "RequestThrottled";
      default -> "ThrottlingException";
    };
  }

  private static int throttleStatus(String service) {
    return switch (service) {
      case "lambda", "eks" -> 429;
      case "ec2", "s3" -> 503;
      default -> 400;
    };
  }

  private enum Protocol {
    JSON,
    REST_JSON,
    QUERY,
    EC2,
    REST_XML
  }

  private static Protocol protocol(RouterRequest r) {
    if (r.target().isPresent()) {
      return Protocol.JSON;
    }
    return switch (r.service().orElse("").toLowerCase(Locale.ROOT)) {
      case "ec2" -> Protocol.EC2;
      case "s3" -> Protocol.REST_XML;
      case "iam", "sts", "sqs", "cloudformation", "sns" -> Protocol.QUERY;
      default -> Protocol.REST_JSON;
    };
  }
}
