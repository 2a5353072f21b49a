package dev.orchestra.local.router;

import java.io.IOException;

/**
 * Answers specific AWS API calls that moto lacks (e.g. EKS access entries), in front of moto. Each
 * is a small, faithful in-memory implementation of just that API, listed in the README. The router
 * asks each filler in order; the first that {@link #handles} a request answers it, and every other
 * request goes to moto unchanged.
 *
 * <p>Match on {@link RouterRequest#service()} (SigV4 signing name) plus the REST path, or on {@link
 * RouterRequest#target()} for JSON-protocol services.
 */
public interface GapFiller {

  boolean handles(RouterRequest request);

  RouterResponse handle(RouterRequest request) throws IOException;
}
