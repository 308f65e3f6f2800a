package org.altdiffusion.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/** Paths of the committed reference fixtures and small helpers shared by the io tests. */
final class CheckpointFixtures {
  static final Path DIR = Path.of("src/test/resources/fixtures/checkpoints");
  static final Path ALL_DTYPES = DIR.resolve("all_dtypes.safetensors");
  static final Path PIPELINE = DIR.resolve("pipeline");

  private CheckpointFixtures() {}

  static JsonNode json(String name) {
    try {
      return new ObjectMapper().readTree(DIR.resolve(name).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tensor's bytes in row-major order, exactly as stored in memory. */
  static byte[] bytes(Tensor t) {
    Tensor c = t.contiguous();
    long n = c.numel() * c.element_size();
    byte[] out = new byte[Math.toIntExact(n)];
    if (n > 0) new BytePointer(c.data_ptr()).capacity(n).get(out);
    return out;
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  static String sha256(byte[] b) {
    try {
      return hex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A safetensors file from a header text, data bytes and the declared header length. */
  static byte[] safetensors(String header, byte[] data, long declaredLength) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    return b.putLong(declaredLength).put(h).put(data).array();
  }

  static byte[] safetensors(String header, byte[] data) {
    return safetensors(header, data, header.getBytes(StandardCharsets.UTF_8).length);
  }

  static Path write(Path dir, String name, byte[] content) {
    try {
      Path f = dir.resolve(name);
      Files.createDirectories(f.getParent());
      return Files.write(f, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies a fixture folder so a test can break it. */
  static Path copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) Files.createDirectories(target);
        else Files.copy(f, target);
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
