package org.altdiffusion.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.altdiffusion.engine.ShutdownGate;
import org.altdiffusion.pipeline.GenerationCancelledException;

/**
 * A bounded FIFO of jobs run one at a time by one worker thread (a model is never used by two runs
 * at once). Submissions beyond the capacity are refused with a 503 and a Retry-After estimate.
 * Every job ends exactly once (succeeded, interrupted, cancelled or failed), including at shutdown,
 * so that no waiting client is left hanging.
 */
final class JobQueue {
  private static final Logger LOG = Logger.getLogger(JobQueue.class.getName());

  /** Runs one job; sets its result or throws. */
  @FunctionalInterface
  interface Runner {
    void run(Job job) throws Exception;
  }

  private final int capacity;
  private final Runner runner;
  private final int keepFinished;
  private final Duration finishedTtl;
  private final ArrayDeque<Job> waiting = new ArrayDeque<>();

  /**
   * Every job not yet forgotten: queued, running, and finished job-API jobs awaiting collection.
   */
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();

  private final ArrayDeque<Job> finishedCollectable = new ArrayDeque<>();
  private final Thread worker;
  private Job running;
  private boolean accepting = true;
  private boolean stopped;

  /** Smoothed seconds per job, for Retry-After. */
  private double secondsPerJob = 5;

  JobQueue(int capacity, int keepFinished, Duration finishedTtl, Runner runner) {
    this.capacity = capacity;
    this.keepFinished = keepFinished;
    this.finishedTtl = finishedTtl;
    this.runner = runner;
    this.worker = new Thread(this::workLoop, "altdiffusion-worker");
    worker.setDaemon(true);
    worker.start();
  }

  /** Queues {@code job}, or throws 503 when the queue is full or the server is stopping. */
  synchronized Job submit(Job job) {
    if (!accepting)
      throw new ApiException(
          503, "Service Unavailable", "the server is shutting down", Map.of("Retry-After", "30"));
    if (waiting.size() >= capacity && !(running == null && waiting.isEmpty())) {
      long retry = retryAfterSeconds();
      throw new ApiException(
          503,
          "Service Unavailable",
          "the queue is full ("
              + waiting.size()
              + " waiting, capacity "
              + capacity
              + "); retry in about "
              + retry
              + " s",
          Map.of("Retry-After", Long.toString(retry)));
    }
    forgetExpired();
    jobs.put(job.id, job);
    waiting.addLast(job);
    notifyAll();
    return job;
  }

  private long retryAfterSeconds() {
    // A place frees up each time the running job ends.
    return Math.max(1, Math.min(600, Math.round(secondsPerJob)));
  }

  Job find(String id) {
    return jobs.get(id);
  }

  synchronized Job running() {
    return running;
  }

  synchronized int waitingCount() {
    return waiting.size();
  }

  /** 1-based place among waiting jobs; 0 when running or finished. */
  synchronized int position(Job job) {
    int i = 1;
    for (Job j : waiting) {
      if (j == job) return i;
      i++;
    }
    return 0;
  }

  /**
   * Cancels {@code job}: a waiting job ends now, a running one stops at its next sampling step.
   *
   * @return false when it had already finished
   */
  boolean cancel(Job job, String reason) {
    synchronized (this) {
      if (job.status.finished()) return false;
      job.cancelReason = reason;
      if (waiting.remove(job)) {
        LOG.info("cancelled queued job " + job.id + " (" + reason + ")");
        finishLocked(job, Job.Status.CANCELLED);
        return true;
      }
    }
    job.cancelRequested = true;
    return true;
  }

  /** A1111's interrupt: the running job stops at its next step and returns what it has. */
  synchronized Job interruptRunning() {
    if (running != null) running.interruptRequested = true;
    return running;
  }

  /** A1111's skip: the running job drops its current batch and goes on with the next. */
  synchronized Job skipRunning() {
    if (running != null) running.skipRequested = true;
    return running;
  }

  private void workLoop() {
    while (true) {
      Job job;
      synchronized (this) {
        while (waiting.isEmpty() && !stopped) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (stopped && waiting.isEmpty()) return;
        job = waiting.removeFirst();
        running = job;
        job.started = Instant.now();
        job.startedNanos = System.nanoTime();
        job.status = Job.Status.RUNNING;
      }
      Job.Status end;
      try (ShutdownGate.Section work = ShutdownGate.enterProcess()) {
        end = execute(job);
      }
      double seconds = (System.nanoTime() - job.startedNanos) / 1e9;
      if (job.kind.generates()) {
        int images = job.result == null ? 0 : job.result.images().size();
        LOG.info(
            String.format(
                "job %s %s: %d image(s) in %.1f s", job.id, end.label(), images, seconds));
      }
      synchronized (this) {
        running = null;
        secondsPerJob = 0.8 * secondsPerJob + 0.2 * seconds;
        finishLocked(job, end);
        notifyAll();
      }
    }
  }

  private Job.Status execute(Job job) {
    try {
      runner.run(job);
      return job.result != null && job.result.interrupted()
          ? Job.Status.INTERRUPTED
          : Job.Status.SUCCEEDED;
    } catch (GenerationCancelledException e) {
      LOG.info(
          "job "
              + job.id
              + " cancelled after "
              + e.stepsDone()
              + " steps"
              + (job.cancelReason == null ? "" : " (" + job.cancelReason + ")"));
      return Job.Status.CANCELLED;
    } catch (ApiException e) {
      job.failure = e;
      return Job.Status.FAILED;
    } catch (Throwable t) {
      // Any failure of one job (native error, out of memory) ends that job only.
      job.failure = t;
      LOG.log(Level.WARNING, "job " + job.id + " failed", t);
      return Job.Status.FAILED;
    }
  }

  private void finishLocked(Job job, Job.Status status) {
    job.finish(status);
    if (job.collectable) {
      finishedCollectable.addLast(job);
      while (finishedCollectable.size() > keepFinished)
        jobs.remove(finishedCollectable.removeFirst().id);
    } else {
      jobs.remove(job.id);
    }
  }

  private synchronized void forgetExpired() {
    Instant limit = Instant.now().minus(finishedTtl);
    for (Iterator<Job> it = finishedCollectable.iterator(); it.hasNext(); ) {
      Job j = it.next();
      if (j.finished != null && j.finished.isBefore(limit)) {
        it.remove();
        jobs.remove(j.id);
      }
    }
  }

  /** Drops a finished job-API job once its result was collected and deleted. */
  synchronized void forget(Job job) {
    if (job.status.finished()) {
      finishedCollectable.remove(job);
      jobs.remove(job.id);
    }
  }

  /**
   * Stops taking jobs, cancels the waiting ones, gives the running one {@code grace} to finish and
   * then cancels it; every step is logged with the job ids.
   */
  void shutdown(Duration grace) {
    List<Job> dropped;
    Job current;
    synchronized (this) {
      if (!accepting) return;
      accepting = false;
      dropped = new ArrayList<>(waiting);
      waiting.clear();
      for (Job j : dropped) {
        j.cancelReason = "server shutting down";
        finishLocked(j, Job.Status.CANCELLED);
      }
      current = running;
      stopped = true;
      notifyAll();
    }
    LOG.info(
        "shutdown: cancelled "
            + dropped.size()
            + " queued job(s)"
            + (dropped.isEmpty()
                ? ""
                : ": " + String.join(", ", dropped.stream().map(j -> j.id).toList())));
    if (current != null) {
      LOG.info(
          "shutdown: letting running job "
              + current.id
              + " finish (up to "
              + grace.toSeconds()
              + " s)");
      if (!await(current, grace)) {
        current.cancelReason = "server shutting down";
        current.cancelRequested = true;
        LOG.info("shutdown: cancelling running job " + current.id + " at its next step");
        if (!await(current, Duration.ofSeconds(60)))
          LOG.warning("shutdown: job " + current.id + " did not stop within 60 s");
      }
      LOG.info("shutdown: job " + current.id + " ended " + current.status.label());
    }
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean await(Job job, Duration d) {
    try {
      job.done.get(d.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (Exception e) {
      return true;
    }
  }
}
