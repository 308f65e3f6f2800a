package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  /** A device that takes {@code room} bytes and then fails as a full disk does. */
  private static AtomicFiles.Opener fullAfter(int room) {
    return path ->
        new FilterOutputStream(AtomicFiles.FILES.open(path)) {
          private int written;

          @Override
          public void write(int b) throws IOException {
            if (written++ >= room) throw new IOException("No space left on device");
            super.write(b);
          }
        };
  }

  @Test
  void aFullDiskLeavesThePreviousFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("00001-42.png");
    byte[] before = {1, 2, 3};
    AtomicFiles.write(target, before);
    byte[] image = new byte[10_000];
    var e =
        assertThrows(
            IOException.class, () -> AtomicFiles.write(target, image, true, fullAfter(4096)));
    assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
    assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("unchanged"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(target));
    assertEquals(List.of(target), files(dir));
  }

  @Test
  void aFullDiskOnANewFileLeavesNothing(@TempDir Path dir) {
    Path target = dir.resolve("out.png");
    assertThrows(
        IOException.class, () -> AtomicFiles.write(target, new byte[100], false, fullAfter(10)));
    assertFalse(Files.exists(target));
    assertEquals(List.of(), files(dir));
  }

  @Test
  void writeNewRefusesAnExistingFileAndReplacesNothing(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("a.png");
    AtomicFiles.writeNew(target, new byte[] {7});
    assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.writeNew(target, new byte[2]));
    assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
    AtomicFiles.write(target, new byte[] {8, 9});
    assertArrayEquals(new byte[] {8, 9}, Files.readAllBytes(target));
    assertEquals(List.of(target), files(dir));
  }

  private static List<Path> files(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
