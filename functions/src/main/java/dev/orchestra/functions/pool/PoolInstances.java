package dev.orchestra.functions.pool;

import dev.orchestra.shared.config.PoolConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.SpotInstanceRequest;

/**
 * A pool's EC2 instances and spot requests, seen only through the ownership tag: every Describe
 * filters on {@code orchestra:pool}, and {@link #terminate} is given only ids such a Describe
 * returned, so an instance without the tag is never touched.
 */
public final class PoolInstances {
  /** Every state but terminated. */
  public static final List<String> LIVE_STATES =
      List.of("pending", "running", "shutting-down", "stopping", "stopped");

  private final Supplier<Ec2Client> ec2;

  public PoolInstances(Supplier<Ec2Client> ec2) {
    this.ec2 = ec2;
  }

  /** The pool's instances in {@code states} (all states when empty). */
  public List<Instance> of(String pool, List<String> states) {
    List<Filter> filters = new ArrayList<>();
    filters.add(Filter.builder().name("tag:" + PoolConfig.OWNERSHIP_TAG).values(pool).build());
    if (!states.isEmpty()) {
      filters.add(Filter.builder().name("instance-state-name").values(states).build());
    }
    return describe(filters);
  }

  /** Every instance carrying the ownership tag, of any pool, in a live state. */
  public List<Instance> tagged() {
    return describe(
        List.of(
            Filter.builder().name("tag-key").values(PoolConfig.OWNERSHIP_TAG).build(),
            Filter.builder().name("instance-state-name").values(LIVE_STATES).build()));
  }

  /** The pool's spot requests (by the tag). */
  public List<SpotInstanceRequest> spotRequests(String pool) {
    List<SpotInstanceRequest> out = new ArrayList<>();
    ec2.get()
        .describeSpotInstanceRequestsPaginator(
            b ->
                b.filters(
                    Filter.builder().name("tag:" + PoolConfig.OWNERSHIP_TAG).values(pool).build()))
        .spotInstanceRequests()
        .forEach(out::add);
    return out;
  }

  /** Every open or active spot request carrying the ownership tag, of any pool. */
  public List<SpotInstanceRequest> taggedSpotRequests() {
    List<SpotInstanceRequest> out = new ArrayList<>();
    ec2.get()
        .describeSpotInstanceRequestsPaginator(
            b ->
                b.filters(
                    Filter.builder().name("tag-key").values(PoolConfig.OWNERSHIP_TAG).build(),
                    Filter.builder().name("state").values("open", "active").build()))
        .spotInstanceRequests()
        .forEach(out::add);
    return out;
  }

  /** Terminates the given ids (each one a Describe by the tag returned). */
  public void terminate(Collection<String> ids) {
    if (!ids.isEmpty()) {
      ec2.get().terminateInstances(b -> b.instanceIds(ids));
    }
  }

  public void cancelSpotRequests(Collection<String> ids) {
    if (!ids.isEmpty()) {
      ec2.get().cancelSpotInstanceRequests(b -> b.spotInstanceRequestIds(ids));
    }
  }

  /** The instance's value of the ownership tag, or null. */
  public static String poolOf(Instance i) {
    return owner(i.tags());
  }

  /** The spot request's value of the ownership tag, or null. */
  public static String poolOf(SpotInstanceRequest r) {
    return owner(r.tags());
  }

  private static String owner(java.util.List<software.amazon.awssdk.services.ec2.model.Tag> tags) {
    return tags.stream()
        .filter(t -> PoolConfig.OWNERSHIP_TAG.equals(t.key()))
        .map(software.amazon.awssdk.services.ec2.model.Tag::value)
        .findFirst()
        .orElse(null);
  }

  public static boolean spot(Instance i) {
    return "spot".equals(i.instanceLifecycleAsString());
  }

  private List<Instance> describe(List<Filter> filters) {
    List<Instance> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    ec2.get()
        .describeInstancesPaginator(b -> b.filters(filters))
        .reservations()
        .forEach(
            r ->
                r.instances()
                    .forEach(
                        i -> {
                          if (seen.add(i.instanceId())) {
                            out.add(i);
                          }
                        }));
    return out;
  }
}
