package dev.orchestra.shared.run;

/**
 * The Dispatch port: starts one run attempt on a compute target, and releases it. One adapter per
 * target kind (Kubernetes Job; later the EC2 pool's work queue). Both calls are idempotent: an
 * existing workload of the same name counts as dispatched, a missing one as released.
 */
public interface WorkloadDispatcher {

  /** Starts the attempt described by {@code workload}; a repeat call is harmless. */
  void dispatch(Workload workload);

  /** Stops and removes the attempt's workload, if it still exists; a repeat call is harmless. */
  void release(String runId, int attempt);
}
