package org.altdiffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.altdiffusion.io.png.PngText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java API example in README.md, taken from the README's text, compiled against the main
 * classes and run on the built-in model: the documentation cannot rot.
 */
class ReadmeExampleTest {
  private static final Pattern EXAMPLE =
      Pattern.compile(
          "<!-- readme-example: (\\w+)\\.java -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void theReadmeProgramCompilesRunsAndWritesItsPictures(@TempDir Path dir) throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    Matcher m = EXAMPLE.matcher(readme);
    assertTrue(m.find(), "README.md has a <!-- readme-example: Name.java --> java block");
    String className = m.group(1);
    Path source = dir.resolve("src").resolve(className + ".java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, m.group(2), StandardCharsets.UTF_8);

    Path classes = Files.createDirectories(dir.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    String classpath =
        Path.of("target/classes").toAbsolutePath()
            + File.pathSeparator
            + System.getProperty("java.class.path");
    boolean compiled =
        javac
            .getTask(
                diagnostics,
                null,
                null,
                List.of("-d", classes.toString(), "-classpath", classpath, "-proc:none"),
                null,
                javac
                    .getStandardFileManager(null, null, StandardCharsets.UTF_8)
                    .getJavaFileObjects(source.toFile()))
            .call();
    assertTrue(compiled, "the README example does not compile:\n" + diagnostics);

    Path out = dir.resolve("outputs");
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass(className).getMethod("main", String[].class);
      main.invoke(null, (Object) new String[] {"models/altdiffusion-tiny", out.toString()});
    }
    List<Path> pngs;
    try (Stream<Path> files = Files.list(out)) {
      pngs = files.sorted().toList();
    }
    assertEquals(List.of(out.resolve("42.png"), out.resolve("43.png")), pngs);
    Map<String, String> text = PngText.read(Files.readAllBytes(pngs.get(1)));
    String parameters = text.get("parameters");
    assertTrue(
        parameters.startsWith("ein großer roter Kreis links\nNegative prompt: blau\n"), parameters);
    assertTrue(
        parameters.contains("Steps: 20, Sampler: DPM++ 2M Karras, Schedule type: Karras"),
        parameters);
    assertTrue(parameters.contains("Seed: 43"), parameters);
  }
}
