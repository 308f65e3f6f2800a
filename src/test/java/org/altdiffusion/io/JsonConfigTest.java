package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Config files are read as Python's json module reads them (diffusers and transformers write and
 * read them with it): NaN / Infinity / -Infinity are numbers, a repeated key keeps its last value,
 * and a value we cannot use is an error naming the file and the key.
 */
class JsonConfigTest {
  static final Path FILE = Path.of("scheduler_config.json");

  static JsonConfig parse(String json) {
    return JsonConfig.parse(FILE, json);
  }

  static String error(Runnable r) {
    return assertThrows(CheckpointException.class, r::run).getMessage();
  }

  @Test
  void readsPythonsNonFiniteNumbers() {
    // json.dumps({"a": float("-inf"), "b": float("inf"), "c": float("nan")}), as diffusers writes
    JsonConfig c =
        parse("{\"a\": -Infinity, \"b\": Infinity, \"c\": NaN, \"d\": [1.5, -Infinity]}");
    assertEquals(Double.NEGATIVE_INFINITY, c.realOrInfinity("a", 0));
    assertEquals(Double.POSITIVE_INFINITY, c.realOrInfinity("b", 0));
    assertEquals(7.0, c.realOrInfinity("missing", 7.0));
    assertTrue(Double.isNaN(c.node("c").asDouble()));
    assertEquals("-Infinity", JsonConfig.show(c.node("a")));
    assertEquals("NaN", JsonConfig.show(c.node("c")));
    assertEquals("[1.5,-Infinity]", JsonConfig.show(c.node("d")));
  }

  @Test
  void rejectsSpellingsPythonDoesNotRead() {
    for (String bad : List.of("INF", "-INF", "+INF", "+Infinity", "infinity", "nan", "+NaN")) {
      String m = error(() -> parse("{\"a\": " + bad + "}"));
      assertTrue(m.startsWith(FILE + ": not valid JSON"), bad + ": " + m);
    }
  }

  @Test
  void aNumberTooLargeForADoubleIsInfiniteAsPythonsFloat() {
    assertEquals(Double.POSITIVE_INFINITY, parse("{\"a\": 1e400}").realOrInfinity("a", 0));
  }

  @Test
  void realAcceptsFiniteNumbersOnlyAndNamesFileAndKey() {
    JsonConfig c = parse("{\"a\": -Infinity, \"b\": NaN, \"c\": 0.5, \"d\": [1, NaN]}");
    assertEquals(0.5, c.real("c", 0));
    assertEquals(
        FILE + ": field 'a' must be a finite number, got -Infinity", error(() -> c.real("a", 0)));
    assertEquals(
        FILE + ": field 'b' must be a finite number, got NaN", error(() -> c.real("b", 0)));
    assertEquals(
        FILE + ": field 'b' must be a number (Infinity and -Infinity allowed), got NaN",
        error(() -> c.realOrInfinity("b", 0)));
    assertEquals(
        FILE + ": field 'd' must be a list of finite numbers, got [1,NaN]",
        error(() -> c.reals("d", null)));
    assertEquals(
        FILE + ": field 'a' must be an integer, got -Infinity", error(() -> c.integer("a", 0)));
  }

  @Test
  void aRepeatedKeyKeepsItsLastValueAsInPython() {
    // json.loads('{"a": 1, "a": 2}') == {"a": 2}
    assertEquals(2, parse("{\"a\": 1, \"a\": 2}").integer("a", 0));
  }

  @Test
  void diffusersUseDefaultValuesDropsTheListedKeys() {
    JsonConfig c = parse("{\"a\": 1, \"b\": 2, \"_use_default_values\": [\"a\"]}");
    JsonConfig d = c.withoutDiffusersDefaults();
    assertFalse(d.has("a"));
    assertEquals(2, d.integer("b", 0));
    assertFalse(d.has("_use_default_values"));
    assertTrue(c.has("a"), "the original is unchanged");
    JsonConfig plain = parse("{\"a\": 1}");
    assertSame(plain, plain.withoutDiffusersDefaults());
    assertTrue(
        error(() -> parse("{\"_use_default_values\": \"a\"}").withoutDiffusersDefaults())
            .contains("field '_use_default_values' must be a list of strings"));
  }

  @Test
  void stillStrictWhereverPythonIs() {
    assertTrue(error(() -> parse("{\"a\": 1,}")).contains("not valid JSON"));
    assertTrue(error(() -> parse("{\"a\": 1} {}")).contains("not valid JSON: Trailing token"));
    assertTrue(error(() -> parse("{'a': 1}")).contains("not valid JSON"));
    assertTrue(error(() -> parse("[1]")).contains("expected a JSON object"));
  }

  @Test
  void treesKeepInfinitiesWithoutATextRoundTrip() {
    JsonConfig c = parse("{\"lambda_min_clipped\": -Infinity, \"text_config\": {\"x\": Infinity}}");
    ObjectNode copy = c.copy();
    copy.put("other", 1);
    JsonConfig again = JsonConfig.of(FILE, copy);
    assertEquals(Double.NEGATIVE_INFINITY, again.realOrInfinity("lambda_min_clipped", 0));
    assertEquals(1, again.integer("other", 0));
    assertFalse(c.has("other"), "copy() is a copy");
    JsonConfig nested = c.object("text_config");
    assertEquals(Double.POSITIVE_INFINITY, nested.realOrInfinity("x", 0));
    assertEquals(FILE, nested.file());
    assertNull(c.object("missing"));
    assertEquals(
        FILE + ": field 'lambda_min_clipped' must be an object, got -Infinity",
        error(() -> c.object("lambda_min_clipped")));
  }
}
