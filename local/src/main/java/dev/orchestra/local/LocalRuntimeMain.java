package dev.orchestra.local;

import dev.orchestra.shared.TimeScale;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The runtime JVM that {@code orchestra local up} starts in the background: attaches to the moto it
 * started, and runs the router, pollers, mock Kubernetes and process node until it is stopped
 * (SIGTERM: its shutdown hook kills the Job processes and closes everything).
 *
 * <p>Arguments: {@code --moto-port N --router-port N --kubernetes-port N --api-port N --state-dir
 * DIR [--time-scale X] [--region R] [--workdir DIR]}.
 */
public final class LocalRuntimeMain {
  private LocalRuntimeMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    LocalRuntimeOptions options =
        LocalRuntimeOptions.defaults()
            .withPorts(
                Integer.parseInt(require(a, "--moto-port")),
                true,
                Integer.parseInt(require(a, "--router-port")),
                Integer.parseInt(a.getOrDefault("--kubernetes-port", "0")))
            .withTimeScale(TimeScale.parse(a.get("--time-scale")))
            .withStateDir(Path.of(require(a, "--state-dir")));
    if (a.containsKey("--region")) {
      options =
          new LocalRuntimeOptions(
              options.motoPort(),
              options.attachMoto(),
              options.routerPort(),
              options.kubernetesPort(),
              a.get("--region"),
              options.timeScale(),
              options.functions(),
              options.plan(),
              options.gapFillers(),
              options.stateDir(),
              options.workdir(),
              options.python());
    }
    LocalRuntime runtime = LocalRuntime.start(options);
    if (a.containsKey("--api-port")) {
      runtime.startApi(Integer.parseInt(a.get("--api-port")));
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  runtime.close();
                  stopped.countDown();
                },
                "local-runtime-shutdown"));
    stopped.await();
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + args[i]);
      }
      out.put(args[i], args[i + 1]);
    }
    return out;
  }

  private static String require(Map<String, String> a, String name) {
    String v = a.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing " + name);
    }
    return v;
  }
}
