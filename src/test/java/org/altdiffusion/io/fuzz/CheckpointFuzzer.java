package org.altdiffusion.io.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.DType;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Feeds mutated checkpoint files to {@link Checkpoints#open} and reads every tensor of each input
 * that opens. Each input must either load fully — with every value bit-identical to the bytes the
 * header points at (safetensors) — or be refused with a {@link CheckpointException}; anything else
 * (another exception, a wrong value, a hang) is a failure. Input {@code i} depends only on ({@code
 * seed}, {@code i}), so {@code --seed S --start i --count 1} replays it.
 *
 * <pre>
 * java -cp ... org.altdiffusion.io.fuzz.CheckpointFuzzer --count 100000 --seed 1 --format safetensors
 * </pre>
 *
 * Exit status: 0 without failures, 1 with failures, 2 on bad arguments.
 */
@Command(
    name = "checkpoint-fuzzer",
    mixinStandardHelpOptions = true,
    description =
        "Fuzzes the checkpoint readers with mutated files; exits non-zero on any failure.")
public final class CheckpointFuzzer implements Callable<Integer> {

  /** Input formats. PYTORCH inputs go through Checkpoints.open like the others. */
  public enum Format {
    SAFETENSORS,
    PYTORCH,
    ALL
  }

  /** What one run does. */
  public record Options(
      long count,
      long seed,
      long start,
      Format format,
      Path seedDir,
      Path failureDir,
      Path dumpDir,
      int dumpEvery,
      long timeLimitMillis) {
    public static Options of(long count, long seed, Format format) {
      return new Options(count, seed, 0, format, null, null, null, 0, 0);
    }

    public Options withSeedDir(Path dir) {
      return new Options(
          count, seed, start, format, dir, failureDir, dumpDir, dumpEvery, timeLimitMillis);
    }

    public Options withTimeLimit(long millis) {
      return new Options(
          count, seed, start, format, seedDir, failureDir, dumpDir, dumpEvery, millis);
    }
  }

  /** Counts of one run; {@code failures} holds a line per failing input (the first 20). */
  public record Result(
      long inputs,
      long accepted,
      long cleanErrors,
      long failed,
      Map<String, Long> errorKinds,
      List<String> failures) {
    public String summary() {
      return String.format(
          Locale.ROOT,
          "inputs %d, accepted %d, clean errors %d, failures %d",
          inputs,
          accepted,
          cleanErrors,
          failed);
    }
  }

  @Option(names = "--count", description = "number of inputs (default: ${DEFAULT-VALUE})")
  long count = 10_000;

  @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(
      names = "--start",
      description = "index of the first input, to replay one (default: ${DEFAULT-VALUE})")
  long start = 0;

  @Option(
      names = "--format",
      description = "safetensors, pytorch or all (default: ${DEFAULT-VALUE})")
  String format = "safetensors";

  @Option(
      names = "--seeds",
      description =
          "folder of valid files to mutate too (.safetensors; .bin/.pt/.pth/.ckpt for pytorch); "
              + "default: src/test/resources/fixtures/checkpoints when present")
  Path seedDir;

  @Option(names = "--failures", description = "folder to save failing inputs into (default: none)")
  Path failureDir;

  @Option(
      names = "--dump",
      description = "folder to save inputs and verdicts into, for comparing with the reference")
  Path dumpDir;

  @Option(
      names = "--dump-every",
      description = "save every n-th input with --dump (default: ${DEFAULT-VALUE})")
  int dumpEvery = 1;

  @Option(
      names = "--hang-seconds",
      description =
          "an input taking longer is a failure; the run stops (default: ${DEFAULT-VALUE})")
  int hangSeconds = 60;

  public static void main(String[] args) {
    System.exit(
        new CommandLine(new CheckpointFuzzer())
            .setCaseInsensitiveEnumValuesAllowed(true)
            .execute(args));
  }

  @Override
  public Integer call() {
    Format f;
    try {
      f = Format.valueOf(format.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      System.err.println("--format must be safetensors, pytorch or all, got " + format);
      return 2;
    }
    Path seeds = seedDir;
    if (seeds == null && Files.isDirectory(Path.of("src/test/resources/fixtures/checkpoints"))) {
      seeds = Path.of("src/test/resources/fixtures/checkpoints");
    }
    Options o = new Options(count, seed, start, f, seeds, failureDir, dumpDir, dumpEvery, 0);
    Watchdog dog = new Watchdog(hangSeconds * 1000L);
    Result r = run(o, System.out, dog);
    dog.stop();
    System.out.println(r.summary());
    System.out.println("clean errors by kind:");
    r.errorKinds().entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .forEach(e -> System.out.printf(Locale.ROOT, "%9d  %s%n", e.getValue(), e.getKey()));
    r.failures().forEach(line -> System.out.println("FAILURE " + line));
    return r.failed() == 0 ? 0 : 1;
  }

  /** Runs {@code o} and returns the counts; progress goes to {@code log}. */
  public static Result run(Options o, PrintStream log) {
    return run(o, log, null);
  }

  private static Result run(Options o, PrintStream log, Watchdog dog) {
    Torch.init();
    List<byte[]> safetensorsSeeds = Seeds.fromFolder(o.seedDir(), ".safetensors");
    List<byte[]> pytorchSeeds = Seeds.fromFolder(o.seedDir(), ".bin", ".pt", ".pth", ".ckpt");
    if (o.format() != Format.SAFETENSORS && pytorchSeeds.isEmpty()) {
      throw new IllegalArgumentException(
          "format "
              + o.format()
              + " needs PyTorch seed files (.bin/.pt) under --seeds; none in "
              + o.seedDir());
    }
    Path work;
    try {
      work = Files.createTempDirectory("checkpoint-fuzz");
      if (o.dumpDir() != null) Files.createDirectories(o.dumpDir());
      if (o.failureDir() != null) Files.createDirectories(o.failureDir());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long inputs = 0;
    long accepted = 0;
    long clean = 0;
    long failed = 0;
    Map<String, Long> kinds = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    StringBuilder verdicts = new StringBuilder();
    long deadline =
        o.timeLimitMillis() > 0 ? System.currentTimeMillis() + o.timeLimitMillis() : Long.MAX_VALUE;
    try {
      for (long i = o.start();
          i < o.start() + o.count() && System.currentTimeMillis() < deadline;
          i++) {
        SplittableRandom r = new SplittableRandom(mix(o.seed(), i));
        boolean pytorch =
            o.format() == Format.PYTORCH || (o.format() == Format.ALL && r.nextBoolean());
        byte[] input =
            pytorch
                ? Mutator.mutate(pick(pytorchSeeds, r), r, false)
                : safetensorsInput(safetensorsSeeds, r);
        Path file = work.resolve(pytorch ? "input.bin" : "input.safetensors");
        Files.write(file, input);
        if (dog != null) dog.watch(i, input, o);
        Verdict v = check(file, input);
        if (dog != null) dog.done();
        inputs++;
        switch (v.kind) {
          case ACCEPTED -> accepted++;
          case CLEAN_ERROR -> {
            clean++;
            kinds.merge(kind(v.message), 1L, Long::sum);
          }
          default -> {
            failed++;
            String line = "seed " + o.seed() + " input " + i + ": " + v.message;
            if (failures.size() < 20) failures.add(line);
            log.println("FAILURE " + line);
            save(o.failureDir(), i, pytorch, input);
          }
        }
        if (o.dumpDir() != null && o.dumpEvery() > 0 && i % o.dumpEvery() == 0 && !pytorch) {
          save(o.dumpDir(), i, false, input);
          verdicts.append(
              String.format(
                  Locale.ROOT,
                  "%08d\t%s\t%s%n",
                  i,
                  v.kind == Kind.ACCEPTED
                      ? "accepted"
                      : v.kind == Kind.CLEAN_ERROR ? "error" : "failure",
                  v.message.replaceAll("[\\t\\r\\n]", " ")));
        }
        if (inputs % 20_000 == 0) log.println("... " + inputs + " inputs, " + failed + " failures");
      }
      if (o.dumpDir() != null)
        Files.writeString(o.dumpDir().resolve("verdicts.tsv"), verdicts, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(work);
    }
    return new Result(inputs, accepted, clean, failed, kinds, failures);
  }

  /** A fresh valid file now and then (so the accepted path is exercised), else a mutated seed. */
  private static byte[] safetensorsInput(List<byte[]> fileSeeds, SplittableRandom r) {
    int roll = r.nextInt(20);
    if (roll == 0) return Seeds.randomSafetensors(r);
    byte[] seed =
        !fileSeeds.isEmpty() && roll < 5 ? pick(fileSeeds, r) : Seeds.randomSafetensors(r);
    return Mutator.mutate(seed, r, true);
  }

  private static byte[] pick(List<byte[]> list, SplittableRandom r) {
    return list.get(r.nextInt(list.size()));
  }

  /** What became of one input. */
  public enum Kind {
    ACCEPTED,
    CLEAN_ERROR,
    FAILURE
  }

  /** The verdict on one input: its kind and a message. */
  public record Verdict(Kind kind, String message) {}

  /**
   * Opens {@code file} and reads everything in it, checking what comes back against {@code bytes}.
   */
  public static Verdict check(Path file, byte[] bytes) {
    try (PointerScope scope = new PointerScope();
        TensorSource source = Checkpoints.open(file)) {
      for (String key : source.keys()) checkTensor(source, key, bytes);
      return new Verdict(Kind.ACCEPTED, "accepted " + source.keys().size() + " tensors");
    } catch (CheckpointException e) {
      if (!e.getMessage().startsWith(file.toString())) {
        return new Verdict(Kind.FAILURE, "error does not name the file: " + e.getMessage());
      }
      return new Verdict(Kind.CLEAN_ERROR, e.getMessage().substring(file.toString().length()));
    } catch (Throwable t) {
      return new Verdict(Kind.FAILURE, t.toString().replace('\n', ' '));
    }
  }

  private static void checkTensor(TensorSource source, String key, byte[] bytes) {
    long[] shape = source.shape(key);
    String dtype = source.dtype(key);
    Tensor raw = source.loadRaw(key);
    expect(
        Arrays.equals(raw.sizes().vec().get(), shape),
        key,
        "loadRaw shape differs from the header's");
    expect(
        DType.of(raw.scalar_type()).safetensorsName().equals(dtype),
        key,
        "loadRaw dtype differs from dtype()");
    if (source instanceof SafeTensors.Reader reader) {
      SafeTensors.Entry e = reader.entry(key);
      byte[] got = bytesOf(raw);
      byte[] want = Arrays.copyOfRange(bytes, (int) e.begin(), (int) e.end());
      expect(
          Arrays.equals(got, want),
          key,
          "loadRaw bytes differ from the file's bytes " + e.begin() + ".." + e.end());
    }
    Tensor wide = source.load(key);
    expect(
        Arrays.equals(wide.sizes().vec().get(), shape),
        key,
        "load shape differs from the header's");
    DType w = DType.of(wide.scalar_type());
    DType d = DType.parse(dtype);
    DType expected = d == DType.BOOL ? DType.BOOL : d.floating() ? DType.F32 : DType.I64;
    expect(w == expected, key, "load gave " + w + " for " + d);
  }

  private static void expect(boolean ok, String key, String what) {
    if (!ok) throw new AssertionError("tensor '" + key + "': " + what);
  }

  static byte[] bytesOf(Tensor t) {
    Tensor c = t.contiguous();
    long n = c.numel() * c.element_size();
    byte[] out = new byte[Math.toIntExact(n)];
    if (n > 0) new BytePointer(c.data_ptr()).capacity(n).get(out);
    return out;
  }

  private static final Pattern QUOTED =
      Pattern.compile("'(?:[^'\\\\]|\\\\.)*'(?:\\.\\.\\.\\(\\d+ characters\\))?");
  private static final Pattern DETAILS = Pattern.compile("\\[[^\\]]*\\]|\\([^)]*\\)");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+");

  /** A message reduced to its kind: names, numbers, shapes and parentheses blanked out. */
  static String kind(String message) {
    String m = message.startsWith(": ") ? message.substring(2) : message;
    m = m.replace("not a valid safetensors file: ", "");
    m = QUOTED.matcher(m).replaceAll("'*'");
    m = DETAILS.matcher(m).replaceAll("(*)");
    m = NUMBER.matcher(m).replaceAll("N");
    return m.length() > 90 ? m.substring(0, 90) + "..." : m;
  }

  static long mix(long seed, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + i;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static void save(Path dir, long i, boolean pytorch, byte[] input) {
    if (dir == null) return;
    try {
      Files.write(
          dir.resolve(String.format(Locale.ROOT, "%08d.%s", i, pytorch ? "bin" : "safetensors")),
          input);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp folder left behind
    }
  }

  /** Stops the process when one input runs longer than the limit (a hang is a failure). */
  private static final class Watchdog {
    private final long limitMillis;
    private volatile long startedAt;
    private volatile long index;
    private volatile byte[] input;
    private volatile Options options;
    private final Thread thread;

    Watchdog(long limitMillis) {
      this.limitMillis = limitMillis;
      this.thread = new Thread(this::loop, "fuzz-watchdog");
      thread.setDaemon(true);
      thread.start();
    }

    void watch(long i, byte[] in, Options o) {
      index = i;
      input = in;
      options = o;
      startedAt = System.currentTimeMillis();
    }

    void done() {
      startedAt = 0;
    }

    void stop() {
      thread.interrupt();
    }

    private void loop() {
      try {
        while (true) {
          Thread.sleep(1000);
          long s = startedAt;
          if (s != 0 && System.currentTimeMillis() - s > limitMillis) {
            System.out.println(
                "FAILURE seed "
                    + options.seed()
                    + " input "
                    + index
                    + ": no result after "
                    + limitMillis / 1000
                    + " s (hang)");
            save(options.failureDir(), index, false, input);
            System.out.flush();
            Runtime.getRuntime().halt(1);
          }
        }
      } catch (InterruptedException e) {
        // stopped
      }
    }
  }
}
