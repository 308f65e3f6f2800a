package org.altdiffusion.io.pytorch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/** Test helpers: the committed fixtures, zip rewriting, tensor bytes, and a small pickle writer. */
final class Fixtures {
  private Fixtures() {}

  static Path fixture(String name) {
    try {
      var url = Fixtures.class.getResource("/fixtures/pytorch/" + name);
      if (url == null) throw new IllegalStateException("missing fixture " + name);
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode expected() {
    try {
      return new ObjectMapper().readTree(fixture("expected.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Entries of a zip in order, read with java.util.zip (an independent reader). */
  static Map<String, byte[]> entries(Path zip) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      Enumeration<? extends ZipEntry> it = z.entries();
      while (it.hasMoreElements()) {
        ZipEntry e = it.nextElement();
        out.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Writes entries STORED (as torch does), or DEFLATED for names in {@code compressed}. */
  static Path writeZip(Path out, Map<String, byte[]> entries, String... compressed) {
    try (OutputStream os = Files.newOutputStream(out);
        ZipOutputStream z = new ZipOutputStream(os)) {
      for (var e : entries.entrySet()) {
        ZipEntry ze = new ZipEntry(e.getKey());
        if (java.util.Arrays.asList(compressed).contains(e.getKey())) {
          ze.setMethod(ZipEntry.DEFLATED);
        } else {
          ze.setMethod(ZipEntry.STORED);
          ze.setSize(e.getValue().length);
          CRC32 crc = new CRC32();
          crc.update(e.getValue());
          ze.setCrc(crc.getValue());
        }
        z.putNextEntry(ze);
        z.write(e.getValue());
        z.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** A torch-like checkpoint: archive/data.pkl, archive/data/&lt;key&gt;, byteorder, version. */
  static Path torchZip(Path out, byte[] pickle, Map<String, byte[]> storages) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", pickle);
    entries.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
    entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    return writeZip(out, entries);
  }

  static byte[] bytes(Tensor t) {
    long n = t.numel() * t.element_size();
    byte[] out = new byte[Math.toIntExact(n)];
    if (n > 0) new BytePointer(t.contiguous().data_ptr()).capacity(n).get(out);
    return out;
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path p, byte[] b) {
    try {
      return Files.write(p, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes pickle opcodes by hand, for inputs torch would never produce. */
  static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle raw(int... bytes) {
      for (int b : bytes) out.write(b);
      return this;
    }

    Pickle op(char c) {
      return raw(c);
    }

    Pickle proto(int v) {
      return raw(0x80, v);
    }

    Pickle global(String module, String name) {
      out.writeBytes(("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Pickle str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      raw('X', b.length & 0xFF, (b.length >> 8) & 0xFF, (b.length >> 16) & 0xFF, b.length >>> 24);
      out.writeBytes(b);
      return this;
    }

    Pickle integer(int v) {
      return raw('J', v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >>> 24);
    }

    Pickle tuple(Runnable... items) {
      op('(');
      for (Runnable r : items) r.run();
      return op('t');
    }

    /** {@code ('storage', torch.<type>, key, 'cpu', numel)} then BINPERSID. */
    Pickle storage(String type, String key, int numel) {
      op('(').str("storage").global("torch", type).str(key).str("cpu").integer(numel).op('t');
      return op('Q');
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    Pickle tensor(String type, String key, int numel, int offset, int[] size, int[] stride) {
      global("torch._utils", "_rebuild_tensor_v2").op('(');
      storage(type, key, numel).integer(offset);
      op('(');
      for (int s : size) integer(s);
      op('t').op('(');
      for (int s : stride) integer(s);
      op('t').raw(0x89).global("collections", "OrderedDict").op(')').op('R');
      return op('t').op('R');
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
