package org.altdiffusion.app;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.nn.Attention;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.Linear;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion bench ...}: speed measurements reported as ratios to a baseline of the same
 * run.
 */
@Command(
    name = "bench",
    description = "Benchmarks; each reports ratios against a baseline measured in the same run.",
    subcommands = {
      BenchCommand.Threads.class,
      UNetBench.class,
      VaeBench.class,
      GenerateBench.class,
      LoraBench.class
    })
final class BenchCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /**
   * Times one UNet-like block (group norm, 3x3 conv, self and cross attention, feed-forward) at
   * SD's 64x64 latent size, forward in inference and forward+backward as in training, for each
   * combination of torch and OpenBLAS thread counts.
   */
  @Command(
      name = "threads",
      description = "Compare torch/OpenBLAS thread-pool settings on a UNet-like block.")
  static final class Threads implements Callable<Integer> {
    @Option(
        names = "--reps",
        defaultValue = "5",
        description = "Timed repetitions per setting (median reported). Default ${DEFAULT-VALUE}.")
    int reps;

    @Option(
        names = "--size",
        defaultValue = "32",
        description = "Latent side (64 = 512x512 images). Default ${DEFAULT-VALUE}.")
    int size;

    @Override
    public Integer call() {
      if (reps < 1 || size < 8)
        throw new IllegalArgumentException("--reps must be >= 1 and --size >= 8");
      Torch.init();
      int cores = Runtime.getRuntime().availableProcessors();
      Block block = new Block();
      block.initialize(Tensors.generator(0));
      List<ThreadSettings> settings = new ArrayList<>();
      settings.add(new ThreadSettings(cores, 1));
      if (cores > 1) {
        settings.add(new ThreadSettings(cores, cores));
        settings.add(new ThreadSettings(1, cores));
      }
      settings.add(new ThreadSettings(1, 1));
      System.out.printf(
          "UNet-like block, 320 channels, %dx%d latents, batch 2, %d reps (median)%n",
          size, size, reps);
      System.out.printf(
          "%-24s %12s %12s %10s %10s%n", "setting", "infer ms", "train ms", "infer x", "train x");
      double baseInfer = 0;
      double baseTrain = 0;
      for (ThreadSettings s : settings) {
        Torch.init(s);
        double infer = median(() -> block.step(size, false));
        double train = median(() -> block.step(size, true));
        if (baseInfer == 0) {
          baseInfer = infer;
          baseTrain = train;
        }
        System.out.printf(
            "%-24s %12.1f %12.1f %10.2f %10.2f%n",
            s, infer, train, infer / baseInfer, train / baseTrain);
      }
      System.out.println("ratios: time relative to the first row (the default); lower is faster");
      return 0;
    }

    private double median(Runnable r) {
      r.run(); // warm-up
      double[] t = new double[reps];
      for (int i = 0; i < reps; i++) {
        long s = System.nanoTime();
        r.run();
        t[i] = (System.nanoTime() - s) / 1e6;
      }
      Arrays.sort(t);
      return t[reps / 2];
    }
  }

  /** A transformer-and-resnet slice of an SD UNet at 320 channels. */
  static final class Block extends org.altdiffusion.nn.Module {
    final GroupNorm norm = child("norm", new GroupNorm(32, 320, 1e-5));
    final Conv2d conv = child("conv", new Conv2d(320, 320, 3, 1, 1));
    final Attention selfAttention = child("attn1", new Attention(320, 320, 5, 64, false));
    final Attention crossAttention = child("attn2", new Attention(320, 1024, 5, 64, false));
    final Linear ffIn = child("ff_in", new Linear(320, 2560));
    final Linear ffOut = child("ff_out", new Linear(1280, 320));

    void step(int size, boolean train) {
      try (PointerScope scope = new PointerScope()) {
        Generator g = Tensors.generator(1);
        Tensor x = Tensors.randn(g, 2, 320, size, size);
        Tensor context = Tensors.randn(g, 2, 77, 1024);
        NoGradGuard guard = train ? null : new NoGradGuard();
        Tensor h = conv.forward(torch.silu(norm.forward(x))).add(x);
        Tensor tokens = h.flatten(2, 3).transpose(1, 2); // [B, HW, C]
        tokens = tokens.add(selfAttention.forward(tokens, null));
        tokens = tokens.add(crossAttention.forward(tokens, context));
        var halves = ffIn.forward(tokens).chunk(2, -1);
        tokens = tokens.add(ffOut.forward(halves.get(0).mul(torch.gelu(halves.get(1)))));
        if (train) {
          tokens.square().mean().backward();
        }
        if (guard != null) guard.close();
      }
    }
  }
}
