package dev.orchestra.shared.cluster;

import dev.orchestra.shared.config.Finding;
import java.util.List;

/**
 * What a cluster update will do, or why it will do nothing. A plan with refusals has no actions:
 * nothing is touched when any change cannot be applied.
 */
public record UpdatePlan(List<UpdateAction> actions, List<Finding> refusals) {
  public UpdatePlan {
    actions = List.copyOf(actions);
    refusals = List.copyOf(refusals);
  }

  public boolean refused() {
    return !refusals.isEmpty();
  }

  public boolean empty() {
    return actions.isEmpty() && refusals.isEmpty();
  }
}
