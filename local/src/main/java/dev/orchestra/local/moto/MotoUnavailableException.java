package dev.orchestra.local.moto;

/** moto could not be started or reached; the message says what to install or check. */
public class MotoUnavailableException extends RuntimeException {
  public MotoUnavailableException(String message) {
    super(message);
  }
}
