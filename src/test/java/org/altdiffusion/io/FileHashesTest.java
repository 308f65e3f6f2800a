package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHashesTest {
  @Test
  void hashesOnceAndAgainWhenTheFileChanges(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("model.safetensors");
    Files.writeString(file, "abc");
    Path cache = tmp.resolve("cache/hashes.properties");
    String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assertEquals(abc, FileHashes.sha256(file, cache));
    // the cached value is used while size and time are unchanged: plant a marker to see it
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(cache)) {
      p.load(r);
    }
    String key = file.toAbsolutePath().normalize().toString();
    String stamp = p.getProperty(key).substring(0, p.getProperty(key).lastIndexOf(' '));
    p.setProperty(key, stamp + " cached");
    try (var w = Files.newBufferedWriter(cache)) {
      p.store(w, null);
    }
    assertEquals("cached", FileHashes.sha256(file, cache));
    Files.writeString(file, "abd");
    Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000));
    String abd = FileHashes.sha256(file, cache);
    assertNotEquals("cached", abd);
    assertEquals(64, abd.length());
    Files.writeString(cache, "\\u00zz broken");
    assertEquals(abd, FileHashes.sha256(file, cache), "a damaged cache is rebuilt");
  }
}
