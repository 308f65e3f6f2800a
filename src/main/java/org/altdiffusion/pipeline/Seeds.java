package org.altdiffusion.pipeline;

import java.security.SecureRandom;
import java.util.Optional;

/**
 * The seed rule, the same for every caller: image i of a generation is seeded {@code seed + i}; no
 * seed (null, or -1 where users type one) draws one at random from AUTOMATIC1111's range [0,
 * 4294967294); seeds above 2^48-1 are refused (torch's generator takes 64 bits, but A1111's clients
 * and infotexts stay far below).
 */
public final class Seeds {
  /** The largest seed accepted. */
  public static final long MAX = 0xFFFF_FFFF_FFFFL;

  /** A1111's random range (exclusive upper end). */
  static final long RANDOM_BOUND = 4_294_967_294L;

  private Seeds() {}

  /** What users type: -1 means "random" (null); anything else is the seed. */
  public static Long fromUser(long typed) {
    return typed == -1 ? null : typed;
  }

  /** The seed of image 0: {@code requested}, or a random one when null. */
  public static long resolve(Long requested) {
    return requested == null ? new SecureRandom().nextLong(RANDOM_BOUND) : requested;
  }

  /** The seed of image {@code index} of a generation whose image 0 has {@code first}. */
  public static long ofImage(long first, int index) {
    return first + index;
  }

  /** What is wrong with {@code seed} (null is fine: random), or empty. */
  public static Optional<String> check(Long seed) {
    if (seed == null || (seed >= 0 && seed <= MAX)) return Optional.empty();
    return Optional.of("seed must be between 0 and 2^48-1 (or -1 for random), got " + seed);
  }
}
