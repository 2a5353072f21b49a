package dev.orchestra.shared.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundaryCheckTest {
  static final String BOUNDARY =
      """
      {"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:*","sqs:SendMessage","ecr:Get*"],"Resource":"*"},
        {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}
      """;

  static String policy(String actions) {
    return "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":" + actions + ",\"Resource\":\"*\"}]}";
  }

  @Test
  void cancelled_whenBoundaryAllows_isEmpty() {
    assertThat(
            BoundaryCheck.cancelled(
                policy("[\"s3:GetObject\",\"ecr:GetAuthorizationToken\"]"), BOUNDARY))
        .isEmpty();
  }

  @Test
  void cancelled_namesActionsOutsideTheBoundary() {
    assertThat(
            BoundaryCheck.cancelled(
                policy("[\"s3:GetObject\",\"iam:CreateUser\",\"ecr:*\"]"), BOUNDARY))
        .containsExactly("iam:CreateUser", "ecr:*");
  }

  @Test
  void cancelled_namesActionsTheBoundaryDenies() {
    assertThat(BoundaryCheck.cancelled(policy("\"s3:*\""), BOUNDARY)).containsExactly("s3:*");
    assertThat(BoundaryCheck.cancelled(policy("\"S3:DeleteBucket\""), BOUNDARY))
        .containsExactly("S3:DeleteBucket");
  }
}
