package dev.orchestra.shared.search;

import java.util.Base64;
import org.apache.commons.rng.RandomProviderState;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.core.RandomProviderDefaultState;
import org.apache.commons.rng.simple.RandomSource;

/** The one random-generator family the searchers use, and its state as text. */
final class Rngs {
  private static final RandomSource SOURCE = RandomSource.XO_RO_SHI_RO_128_PP;

  private Rngs() {}

  static RestorableUniformRandomProvider create(long seed) {
    return SOURCE.create(seed);
  }

  /** A generator for one purpose derived from the experiment's seed and some counters. */
  static RestorableUniformRandomProvider derive(long seed, long... salt) {
    long s = seed;
    for (long v : salt) {
      s = mix(s ^ mix(v + 0x9E3779B97F4A7C15L));
    }
    return SOURCE.create(s);
  }

  static String save(RestorableUniformRandomProvider rng) {
    RandomProviderState state = rng.saveState();
    return Base64.getEncoder().encodeToString(((RandomProviderDefaultState) state).getState());
  }

  static RestorableUniformRandomProvider restore(String saved) {
    RestorableUniformRandomProvider rng = SOURCE.create(0L);
    rng.restoreState(new RandomProviderDefaultState(Base64.getDecoder().decode(saved)));
    return rng;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
