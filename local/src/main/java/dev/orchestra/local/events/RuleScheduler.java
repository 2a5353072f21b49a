package dev.orchestra.local.events;

import dev.orchestra.local.router.LambdaInvoker;
import dev.orchestra.shared.TimeScale;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.Rule;
import software.amazon.awssdk.services.eventbridge.model.RuleState;
import software.amazon.awssdk.services.eventbridge.model.Target;

/**
 * The scheduler stand-in: moto stores EventBridge schedule rules but never fires them. This reads
 * the rules from moto (through the router), and fires each enabled {@code rate(...)} rule's Lambda
 * targets with their constant input every period, the period multiplied by the time scale. The
 * first firing is one period after the rule is first seen, as with EventBridge.
 */
public final class RuleScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RuleScheduler.class);
  private static final Pattern RATE =
      Pattern.compile("rate\\((\\d+) (minute|minutes|hour|hours|day|days)\\)");

  /**
   * How often the rules are read: once a second keeps the load on moto (shared with the loop's
   * DynamoDB traffic) negligible; a firing is at most this late.
   */
  static final long TICK_MS = 1000;

  private final EventBridgeClient events;
  private final LambdaInvoker invoker;
  private final TimeScale scale;
  private final Map<String, Long> nextFire = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "rule-scheduler");
            t.setDaemon(true);
            return t;
          });

  public RuleScheduler(EventBridgeClient events, LambdaInvoker invoker, TimeScale scale) {
    this.events = events;
    this.invoker = invoker;
    this.scale = scale;
  }

  public RuleScheduler start() {
    thread.scheduleWithFixedDelay(this::tickQuietly, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  /** The period of a schedule expression in real (unscaled) milliseconds, or -1 if not a rate. */
  static long periodMillis(String expression) {
    if (expression == null) {
      return -1;
    }
    Matcher m = RATE.matcher(expression.trim());
    if (!m.matches()) {
      return -1; // cron(...) is not needed yet
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "minute", "minutes" -> n * 60_000;
      case "hour", "hours" -> n * 3_600_000;
      default -> n * 86_400_000;
    };
  }

  private void tickQuietly() {
    try {
      tick(System.currentTimeMillis());
    } catch (RuntimeException e) {
      LOG.debug("scheduler tick failed: {}", e.toString());
    }
  }

  void tick(long now) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Rule rule : events.listRules(b -> b.limit(100)).rules()) {
      long period = periodMillis(rule.scheduleExpression());
      if (period < 0 || rule.state() != RuleState.ENABLED) {
        continue;
      }
      seen.add(rule.name());
      long scaled = Math.max(200, Math.round(period * scale.factor()));
      long due = nextFire.computeIfAbsent(rule.name(), n -> now + scaled);
      if (now < due) {
        continue;
      }
      nextFire.put(rule.name(), now + scaled);
      for (Target t : events.listTargetsByRule(b -> b.rule(rule.name())).targets()) {
        if (t.arn().startsWith("arn:aws:lambda:") || !t.arn().startsWith("arn:")) {
          byte[] input = (t.input() == null ? "{}" : t.input()).getBytes(StandardCharsets.UTF_8);
          var result = invoker.invoke(t.arn(), input);
          LOG.debug("rule {} fired {}: {}", rule.name(), t.arn(), result.isPresent());
        }
      }
    }
    nextFire.keySet().retainAll(seen);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
