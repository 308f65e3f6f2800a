package org.altdiffusion.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One status line on stderr: {@code step 120/1000 [=====> ] 12% loss 0.1234 lr 1.0e-04 3.21 it/s
 * ETA 04:31}. Redrawn in place on a terminal (at most 5 times a second), printed as a new line
 * every 10 s otherwise (logs stay readable).
 */
public final class ProgressBar {
  private final PrintStream out;
  private final long total;
  private final long first;
  private final boolean terminal;
  private final long startNanos = System.nanoTime();
  private long lastDraw;
  private double smoothedLoss = Double.NaN;

  public ProgressBar(PrintStream out, long firstStep, long total, boolean terminal) {
    this.out = out;
    this.first = firstStep;
    this.total = total;
    this.terminal = terminal;
  }

  /** After step {@code step} (1-based) with its loss and learning rate. */
  public void update(long step, double loss, double lr) {
    if (Double.isFinite(loss))
      smoothedLoss = Double.isNaN(smoothedLoss) ? loss : 0.9 * smoothedLoss + 0.1 * loss;
    long now = System.nanoTime();
    boolean last = step >= total;
    long interval = terminal ? 200_000_000L : 10_000_000_000L;
    if (!last && now - lastDraw < interval && lastDraw != 0) return;
    lastDraw = now;
    out.print((terminal ? "\r" : "") + line(step, lr, now) + (terminal && !last ? "" : "\n"));
    out.flush();
  }

  String line(long step, double lr, long now) {
    double seconds = (now - startNanos) / 1e9;
    double rate = seconds > 0 ? (step - first) / seconds : 0;
    long etaSeconds = rate > 0 ? Math.round((total - step) / rate) : -1;
    int width = 24;
    int filled = (int) (width * step / Math.max(1, total));
    StringBuilder bar = new StringBuilder();
    for (int i = 0; i < width; i++) bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
    return String.format(
        Locale.ROOT,
        "step %d/%d [%s] %3d%% loss %.4f lr %.2e %.2f it/s ETA %s",
        step,
        total,
        bar,
        100 * step / Math.max(1, total),
        smoothedLoss,
        lr,
        rate,
        etaSeconds < 0 ? "--:--" : clock(etaSeconds));
  }

  static String clock(long s) {
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }
}
