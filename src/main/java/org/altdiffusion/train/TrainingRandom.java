package org.altdiffusion.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Base64;
import java.util.Random;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The random sources of a run, identical in every process: a torch CPU generator (noise, timesteps,
 * VAE latent sampling) and a {@link java.util.Random} (caption dropout). Both states go into
 * checkpoints ({@link #state}) so that a resumed run draws exactly what the uninterrupted run would
 * have drawn.
 */
public final class TrainingRandom {
  private final Generator torchGenerator;
  private Random javaRandom;

  public TrainingRandom(long seed) {
    this.torchGenerator = Tensors.generator(seed);
    this.javaRandom = new Random(seed);
  }

  public Generator torch() {
    return torchGenerator;
  }

  /** Standard normal float32 noise of {@code shape}. */
  public Tensor randn(long... shape) {
    return Tensors.randn(torchGenerator, shape);
  }

  /**
   * {@code count} int64 values uniform in [0, high), as {@code torch.randint(0, high, (count,))}.
   */
  public Tensor randint(long high, long count) {
    return torch.randint(
        high,
        new long[] {count},
        new GeneratorOptional(torchGenerator),
        new TensorOptions(torch.ScalarType.Long));
  }

  /** {@code count} independent coin flips that come up true with probability {@code p}. */
  public boolean[] flips(double p, int count) {
    boolean[] out = new boolean[count];
    for (int i = 0; i < count; i++) out[i] = javaRandom.nextDouble() < p;
    return out;
  }

  /**
   * Both states as text: {"torch": base64 of get_state(), "java": base64 of the serialised Random}.
   */
  public State state() {
    Tensor s = torchGenerator.get_state().contiguous();
    byte[] bytes = new byte[(int) s.numel()];
    new BytePointer(s.data_ptr()).get(bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(out)) {
      o.writeObject(javaRandom);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new State(
        Base64.getEncoder().encodeToString(bytes),
        Base64.getEncoder().encodeToString(out.toByteArray()));
  }

  public void restore(State state) {
    byte[] bytes = Base64.getDecoder().decode(state.torch());
    Tensor t =
        torch.empty(new long[] {bytes.length}, new TensorOptions(torch.ScalarType.Byte), null);
    new BytePointer(t.data_ptr()).put(bytes);
    torchGenerator.set_state(t);
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(state.java())))) {
      Object o = in.readObject();
      if (!(o instanceof Random r) || o.getClass() != Random.class)
        throw new IllegalArgumentException("not a java.util.Random state");
      javaRandom = r;
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalArgumentException("unreadable Java random state: " + e.getMessage(), e);
    }
  }

  /** Serialised states (base64). */
  public record State(String torch, String java) {}
}
