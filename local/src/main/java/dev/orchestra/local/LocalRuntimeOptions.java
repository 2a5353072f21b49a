package dev.orchestra.local;

import dev.orchestra.functions.OrchestraConfig;
import dev.orchestra.local.plan.ResourcePlan;
import dev.orchestra.local.plan.ResourcePlanProvider;
import dev.orchestra.local.router.CatalogFunctionResolver;
import dev.orchestra.local.router.FunctionResolver;
import dev.orchestra.local.router.GapFiller;
import dev.orchestra.shared.TimeScale;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * How to start a {@link LocalRuntime}. Ports default to 0 (free random ports); {@code motoPort}
 * with {@code attachMoto} uses a moto someone else started (the CLI's {@code local up}).
 *
 * @param functions builds the function resolver from the final handler configuration
 * @param plan the control plane's resources
 * @param gapFillers answer AWS calls moto lacks, in order, before forwarding
 * @param stateDir where logs and scratch files go; null makes a temporary folder
 * @param python the python3 that has moto's server extras
 */
public record LocalRuntimeOptions(
    int motoPort,
    boolean attachMoto,
    int routerPort,
    int kubernetesPort,
    String region,
    TimeScale timeScale,
    Function<OrchestraConfig, FunctionResolver> functions,
    ResourcePlanProvider plan,
    List<GapFiller> gapFillers,
    Path stateDir,
    Path workdir,
    String python) {

  /**
   * The control plane's own setup: {@code FunctionCatalog} functions, and the resource plan and gap
   * fillers found with {@link ServiceLoader} (none: an empty plan).
   */
  public static LocalRuntimeOptions defaults() {
    ResourcePlanProvider plan =
        ServiceLoader.load(ResourcePlanProvider.class)
            .findFirst()
            .orElse(env -> ResourcePlan.EMPTY);
    List<GapFiller> fillers = new ArrayList<>();
    ServiceLoader.load(GapFiller.class).forEach(fillers::add);
    return new LocalRuntimeOptions(
        0,
        false,
        0,
        0,
        LocalEnvironment.DEFAULT_REGION,
        TimeScale.REAL,
        CatalogFunctionResolver::new,
        plan,
        fillers,
        null,
        Path.of(System.getProperty("user.dir")),
        defaultPython());
  }

  /** For tests: the given functions and plan, no gap fillers. */
  public static LocalRuntimeOptions of(FunctionResolver functions, ResourcePlanProvider plan) {
    return defaults().withFunctions(config -> functions).withPlan(plan).withGapFillers(List.of());
  }

  static String defaultPython() {
    String configured = System.getenv(dev.orchestra.shared.EnvVars.PYTHON);
    return configured == null || configured.isBlank() ? "python3" : configured;
  }

  public LocalRuntimeOptions withPorts(int moto, boolean attach, int router, int kubernetes) {
    return new LocalRuntimeOptions(
        moto,
        attach,
        router,
        kubernetes,
        region,
        timeScale,
        functions,
        plan,
        gapFillers,
        stateDir,
        workdir,
        python);
  }

  public LocalRuntimeOptions withTimeScale(TimeScale scale) {
    return new LocalRuntimeOptions(
        motoPort,
        attachMoto,
        routerPort,
        kubernetesPort,
        region,
        scale,
        functions,
        plan,
        gapFillers,
        stateDir,
        workdir,
        python);
  }

  public LocalRuntimeOptions withFunctions(Function<OrchestraConfig, FunctionResolver> f) {
    return new LocalRuntimeOptions(
        motoPort,
        attachMoto,
        routerPort,
        kubernetesPort,
        region,
        timeScale,
        f,
        plan,
        gapFillers,
        stateDir,
        workdir,
        python);
  }

  public LocalRuntimeOptions withPlan(ResourcePlanProvider p) {
    return new LocalRuntimeOptions(
        motoPort,
        attachMoto,
        routerPort,
        kubernetesPort,
        region,
        timeScale,
        functions,
        p,
        gapFillers,
        stateDir,
        workdir,
        python);
  }

  public LocalRuntimeOptions withGapFillers(List<GapFiller> g) {
    return new LocalRuntimeOptions(
        motoPort,
        attachMoto,
        routerPort,
        kubernetesPort,
        region,
        timeScale,
        functions,
        plan,
        List.copyOf(g),
        stateDir,
        workdir,
        python);
  }

  public LocalRuntimeOptions withStateDir(Path dir) {
    return new LocalRuntimeOptions(
        motoPort,
        attachMoto,
        routerPort,
        kubernetesPort,
        region,
        timeScale,
        functions,
        plan,
        gapFillers,
        dir,
        workdir,
        python);
  }
}
