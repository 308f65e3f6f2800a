package org.altdiffusion.server;

import java.awt.image.BufferedImage;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * One unit of work in the queue: a txt2img or img2img run, or a model switch. Progress fields are
 * written by the worker and read by HTTP threads (volatile); control flags are written by HTTP
 * threads and read by the worker at every sampling step.
 */
final class Job {
  enum Kind {
    TXT2IMG,
    IMG2IMG,
    LOAD_MODEL;

    /** True for the kinds that make images (and have a request and a result). */
    boolean generates() {
      return this != LOAD_MODEL;
    }
  }

  enum Status {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    INTERRUPTED,
    CANCELLED,
    FAILED;

    boolean finished() {
      return this != QUEUED && this != RUNNING;
    }

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final SecureRandom IDS = new SecureRandom();

  final String id;
  final Kind kind;

  /** True for jobs of the job API, whose results wait to be collected. */
  final boolean collectable;

  final Txt2ImgRequest request;

  /** Model title this job runs on, fixed when it is submitted. */
  final String model;

  /** Seed of the first image, resolved when submitted so that all seeds are known up front. */
  final long seed;

  /**
   * Variation seed of the first image, resolved when the job runs; -1 when the request asks for no
   * variation (subseed_strength 0).
   */
  volatile long subseed = -1;

  final Instant created = Instant.now();
  final CompletableFuture<Job> done = new CompletableFuture<>();

  volatile Status status = Status.QUEUED;
  volatile Instant started;
  volatile Instant finished;
  volatile long startedNanos;
  volatile int iteration;
  volatile int iterations = 1;
  volatile int step;
  volatile int steps;
  volatile boolean cancelRequested;
  volatile boolean interruptRequested;
  volatile boolean skipRequested;
  volatile String cancelReason;
  volatile boolean previewWanted;
  volatile BufferedImage preview;
  volatile Txt2ImgResult result;

  /** Why the job failed: an ApiException when the request was at fault (e.g. unknown sampler). */
  volatile Throwable failure;

  Job(Kind kind, boolean collectable, Txt2ImgRequest request, String model, long seed) {
    this.id = HexFormat.of().formatHex(randomBytes());
    this.kind = kind;
    this.collectable = collectable;
    this.request = request;
    this.model = model;
    this.seed = seed;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    IDS.nextBytes(b);
    return b;
  }

  /** True when the run should stop at the next step (skip only ends the current batch). */
  boolean stopRequested() {
    return cancelRequested || interruptRequested || skipRequested;
  }

  /** Fraction done in A1111's way: finished batches plus the part of the current one. */
  double fraction() {
    if (status == Status.QUEUED) return 0;
    if (status.finished()) return 1;
    double perBatch = steps > 0 ? (double) step / steps : 0;
    return Math.min(1, (iteration + perBatch) / Math.max(1, iterations));
  }

  void finish(Status s) {
    status = s;
    finished = Instant.now();
    preview = null;
    done.complete(this);
  }
}
