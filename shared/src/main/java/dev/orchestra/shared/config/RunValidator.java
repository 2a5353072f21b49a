package dev.orchestra.shared.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** run.yml rules (also for the {@code run:} block embedded in experiment.yml). */
final class RunValidator {
  private RunValidator() {}

  static final List<String> FIELDS = List.of("name", "run", "image", "resources", "aws");
  static final List<String> RESOURCE_FIELDS = List.of("requests", "limits", "gpus");
  static final List<String> AMOUNT_FIELDS = List.of("cpu", "memory", "ephemeral-storage");
  static final List<String> AWS_FIELDS = List.of("aws_access_key_id", "aws_secret_access_key");

  /**
   * Kubernetes quantity syntax. Exponents are capped at two digits: fabric8 computes 10^exponent
   * exactly, and {@code 1e999999999} must not cost minutes.
   */
  static final Pattern QUANTITY =
      Pattern.compile(
          "[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)"
              + "(?:[eE][+-]?[0-9]{1,2}|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?");

  static final int MAX_GPUS = 64;

  static RunConfig validate(ObjectNode root, Checker c) {
    int before = c.count();
    c.unknownFields(root, "", FIELDS, Map.of());
    String name = c.string(root, "", "name", false, "name: my-run");
    RunCommand run = command(root, c);
    String image = c.string(root, "", "image", false, "image: my-run");
    if (image != null && !ImageRef.isValid(image)) {
      c.add(
          "image",
          "image '" + Names.shorten(image) + "' is not a container image reference",
          "write a repository name of your account's ECR (image: my-run) or a full reference"
              + " (image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-run:v1)");
    }
    RunResources resources = resources(root, c);
    RunAws aws = aws(root, c);
    if (c.count() > before) {
      return null;
    }
    return new RunConfig(name, run, image, resources, aws);
  }

  private static RunCommand command(ObjectNode root, Checker c) {
    JsonNode v = Checker.get(root, "run");
    if (v == null) {
      c.required("run", "the command that trains", "write e.g. run: python model.py");
      return null;
    }
    if (v.isTextual()) {
      if (v.asText().isBlank()) {
        c.add("run", "run is blank", "write the command, e.g. run: python model.py");
        return null;
      }
      return RunCommand.of(v.asText());
    }
    if (v.isArray()) {
      if (v.isEmpty()) {
        c.add("run", "run is an empty list", "write the command, e.g. run: [python, model.py]");
        return null;
      }
      List<String> args = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < v.size(); i++) {
        JsonNode a = v.get(i);
        if (a.isTextual()) {
          args.add(a.asText());
        } else {
          ok = false;
          c.add(
              "run[" + i + "]",
              "every argument of run must be a string, not " + YamlLoader.describe(a),
              a.isValueNode()
                  ? "quote it: '" + Names.shorten(a.asText()) + "'"
                  : "write each argument as a string");
        }
      }
      return ok ? RunCommand.ofArgs(args) : null;
    }
    c.add(
        "run",
        "run must be a command string or a list of arguments, not " + YamlLoader.describe(v),
        "write e.g. run: python model.py");
    return null;
  }

  private static RunResources resources(ObjectNode root, Checker c) {
    ObjectNode r = c.mapping(root, "", "resources", false, "resources: {requests: {cpu: 1}}");
    if (r == null) {
      return RunResources.NONE;
    }
    c.unknownFields(r, "resources", RESOURCE_FIELDS, Map.of());
    ResourceAmounts requests = amounts(r, "requests", c);
    ResourceAmounts limits = amounts(r, "limits", c);
    Long gpus = null;
    JsonNode g = Checker.get(r, "gpus");
    if (g != null) {
      gpus = Checker.asWhole(g);
      if (gpus == null || gpus < 0) {
        c.add(
            "resources.gpus",
            "resources.gpus must be a whole number of GPUs, 0 or more, not "
                + YamlLoader.describe(g)
                + " ("
                + Checker.show(g)
                + ")",
            "write e.g. gpus: 1; a run cannot use part of a GPU");
        gpus = null;
      } else if (gpus > MAX_GPUS) {
        c.add(
            "resources.gpus",
            "resources.gpus " + gpus + " is more than any instance has (" + MAX_GPUS + ")",
            "write the GPUs one run needs, e.g. gpus: 1");
        gpus = null;
      }
    }
    if (requests != null && limits != null) {
      compare(requests.cpu(), limits.cpu(), "cpu", c);
      compare(requests.memory(), limits.memory(), "memory", c);
      compare(requests.ephemeralStorage(), limits.ephemeralStorage(), "ephemeral-storage", c);
    }
    return new RunResources(requests, limits, gpus == null ? 0 : gpus.intValue());
  }

  private static void compare(Quantity request, Quantity limit, String field, Checker c) {
    if (request == null || limit == null) {
      return;
    }
    if (request.getNumericalAmount().compareTo(limit.getNumericalAmount()) > 0) {
      c.add(
          "resources.requests." + field,
          "the " + field + " request (" + request + ") is above its limit (" + limit + ")",
          "lower resources.requests." + field + " or raise resources.limits." + field);
    }
  }

  private static ResourceAmounts amounts(ObjectNode r, String field, Checker c) {
    ObjectNode m = c.mapping(r, "resources", field, false, field + ": {cpu: 1, memory: 1Gi}");
    if (m == null) {
      return ResourceAmounts.NONE;
    }
    String path = "resources." + field;
    c.unknownFields(m, path, AMOUNT_FIELDS, Map.of());
    return new ResourceAmounts(
        quantity(m, path, "cpu", c),
        quantity(m, path, "memory", c),
        quantity(m, path, "ephemeral-storage", c));
  }

  /** A positive Kubernetes quantity written as a YAML number or string. */
  static Quantity quantity(ObjectNode m, String path, String field, Checker c) {
    JsonNode v = Checker.get(m, field);
    if (v == null) {
      return null;
    }
    String where = Checker.at(path, field);
    String example =
        field.equals("cpu")
            ? "write e.g. cpu: 1, cpu: 1.5 or cpu: 1500m"
            : "write e.g. " + field + ": 1Gi, 512Mi, 500M or 1e9 (bytes)";
    String text = null;
    if (v.isNumber() && Double.isFinite(v.doubleValue())) {
      text = v.isBigDecimal() ? v.decimalValue().toPlainString() : v.asText();
    } else if (v.isTextual()) {
      text = v.asText().trim();
    }
    if (text == null || text.length() > 40 || !QUANTITY.matcher(text).matches()) {
      c.add(where, field + " " + Checker.show(v) + " is not a Kubernetes quantity", example);
      return null;
    }
    Quantity q;
    BigDecimal amount;
    try {
      q = Quantity.parse(text);
      amount = q.getNumericalAmount();
    } catch (RuntimeException e) {
      c.add(where, field + " " + Checker.show(v) + " is not a Kubernetes quantity", example);
      return null;
    }
    if (amount.signum() <= 0) {
      c.add(where, field + " must be above 0, not " + text, example);
      return null;
    }
    return q;
  }

  private static RunAws aws(ObjectNode root, Checker c) {
    ObjectNode aws =
        c.mapping(
            root, "", "aws", false, "aws: {aws_access_key_id: ..., aws_secret_access_key: ...}");
    if (aws == null) {
      return null;
    }
    c.unknownFields(aws, "aws", AWS_FIELDS, Map.of());
    String key = c.string(aws, "aws", "aws_access_key_id", true, "add aws.aws_access_key_id", true);
    String secret =
        c.string(aws, "aws", "aws_secret_access_key", true, "add aws.aws_secret_access_key", true);
    return key == null || secret == null ? null : new RunAws(key, secret);
  }
}
