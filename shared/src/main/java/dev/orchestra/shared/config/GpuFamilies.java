package dev.orchestra.shared.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The EC2 instance families a {@code gpu} node group may use and the EKS AMI type each runs on: the
 * one place to change when AWS adds a GPU family.
 *
 * <p>Only NVIDIA families are listed, because node groups use EKS's AL2023 NVIDIA AMIs. Families
 * whose GPUs current NVIDIA drivers no longer support (p2: K80, g3: M60) and non-NVIDIA
 * accelerators are refused with a replacement to use.
 */
public final class GpuFamilies {
  private GpuFamilies() {}

  public static final String AL2023_X86_64_NVIDIA = "AL2023_x86_64_NVIDIA";
  public static final String AL2023_ARM_64_NVIDIA = "AL2023_ARM_64_NVIDIA";

  /** Family → EKS managed node group AMI type. */
  public static final Map<String, String> AMI_TYPES =
      Map.ofEntries(
          Map.entry("g4dn", AL2023_X86_64_NVIDIA),
          Map.entry("g5", AL2023_X86_64_NVIDIA),
          Map.entry("g6", AL2023_X86_64_NVIDIA),
          Map.entry("g6e", AL2023_X86_64_NVIDIA),
          Map.entry("g6f", AL2023_X86_64_NVIDIA),
          Map.entry("gr6", AL2023_X86_64_NVIDIA),
          Map.entry("gr6f", AL2023_X86_64_NVIDIA),
          Map.entry("p3", AL2023_X86_64_NVIDIA),
          Map.entry("p3dn", AL2023_X86_64_NVIDIA),
          Map.entry("p4d", AL2023_X86_64_NVIDIA),
          Map.entry("p4de", AL2023_X86_64_NVIDIA),
          Map.entry("p5", AL2023_X86_64_NVIDIA),
          Map.entry("p5e", AL2023_X86_64_NVIDIA),
          Map.entry("p5en", AL2023_X86_64_NVIDIA),
          Map.entry("p6-b200", AL2023_X86_64_NVIDIA),
          Map.entry("g5g", AL2023_ARM_64_NVIDIA));

  /** Families that were GPU instances once but cannot run the current NVIDIA AMIs. */
  private static final Map<String, String> RETIRED =
      Map.of(
          "p2",
              "p2 instances carry NVIDIA K80 GPUs, which current NVIDIA drivers and EKS AMIs no"
                  + " longer support",
          "g3",
              "g3 instances carry NVIDIA M60 GPUs, which current NVIDIA drivers and EKS AMIs no"
                  + " longer support",
          "g3s",
              "g3s instances carry NVIDIA M60 GPUs, which current NVIDIA drivers and EKS AMIs"
                  + " no longer support",
          "g4ad", "g4ad instances carry AMD GPUs; Orchestra's GPU nodes use NVIDIA AMIs",
          "inf1", "inf1 instances carry AWS Inferentia chips, not NVIDIA GPUs",
          "inf2", "inf2 instances carry AWS Inferentia chips, not NVIDIA GPUs",
          "trn1", "trn1 instances carry AWS Trainium chips, not NVIDIA GPUs",
          "trn2", "trn2 instances carry AWS Trainium chips, not NVIDIA GPUs");

  /** What to use instead of an unsupported GPU instance type. */
  public static final String REPLACEMENT = "use g4dn.xlarge (NVIDIA T4) or g5.xlarge (NVIDIA A10G)";

  /** The family of an instance type: {@code g5} for {@code g5.xlarge}. */
  public static String family(String instanceType) {
    int dot = instanceType.indexOf('.');
    return (dot < 0 ? instanceType : instanceType.substring(0, dot)).toLowerCase(Locale.ROOT);
  }

  /** The AMI type for a GPU instance type, or null when the family is not a supported GPU. */
  public static String amiType(String instanceType) {
    return AMI_TYPES.get(family(instanceType));
  }

  /** Why an instance type cannot be a GPU node, or null when it can. */
  static String whyNot(String instanceType) {
    String family = family(instanceType);
    if (AMI_TYPES.containsKey(family)) {
      return null;
    }
    String retired = RETIRED.get(family);
    if (retired != null) {
      return retired;
    }
    List<String> known = AMI_TYPES.keySet().stream().sorted().toList();
    return family
        + " is not an NVIDIA GPU instance family Orchestra supports (supported: "
        + String.join(", ", known)
        + ")";
  }
}
