package dev.orchestra.shared.config;

import java.util.List;

/**
 * The Kubernetes versions Orchestra creates EKS clusters with: the one place to change when EKS
 * adds or retires a version.
 *
 * <p>As of 2026-11-22 (checked against the EKS user guide's version pages): 1.36 is GA on EKS
 * (since June 2026) and is the newest; 1.34–1.36 are in standard support and 1.33 in extended
 * support. Older versions such as SigOpt's documented 1.16–1.20 are gone.
 */
public final class EksVersions {
  private EksVersions() {}

  /** Oldest first. */
  public static final List<String> SUPPORTED = List.of("1.33", "1.34", "1.35", "1.36");

  /** What an omitted {@code kubernetes_version} means. */
  public static String newest() {
    return SUPPORTED.get(SUPPORTED.size() - 1);
  }

  public static boolean isSupported(String version) {
    return SUPPORTED.contains(version);
  }
}
