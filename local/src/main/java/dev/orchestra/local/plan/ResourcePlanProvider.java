package dev.orchestra.local.plan;

import dev.orchestra.local.LocalEnvironment;

/**
 * Describes the control plane the local runtime hosts. {@code LocalRuntimeMain} (and {@code
 * LocalRuntimeOptions.defaults()}) find the implementation through {@link java.util.ServiceLoader}:
 * list its class in {@code META-INF/services/dev.orchestra.local.plan.ResourcePlanProvider}.
 */
@FunctionalInterface
public interface ResourcePlanProvider {

  ResourcePlan plan(LocalEnvironment environment);
}
