package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertRefused(int status, String part, String contentType, String body) {
    ApiException e =
        assertThrows(ApiException.class, () -> Multipart.parse(contentType, b(body)), body);
    assertEquals(status, e.status());
    assertTrue(e.detail().contains(part), e.detail());
  }

  @Test
  void parsesFieldsAndFilesWithQuotesPreambleAndBinaryData() {
    String body =
        "preamble to ignore\r\n--b;x\r\n"
            + "Content-Disposition: form-data; name=\"prompt\"\r\n\r\n"
            + "一只猫; \"quoted\"\r\n"
            + "--b;x\r\n"
            + "content-disposition: form-data; name=\"image\"; filename=\"a;b \\\"c\\\".png\"\r\n"
            + "Content-Type: image/png\r\n\r\n"
            + "\r\n--b;\r\n"
            + "--b;x--\r\n";
    List<Multipart.Part> parts =
        Multipart.parse("multipart/form-data; charset=utf-8; boundary=\"b;x\"", b(body));
    assertEquals(2, parts.size());
    assertEquals("prompt", parts.get(0).name());
    assertNull(parts.get(0).filename());
    assertEquals("一只猫; \"quoted\"", parts.get(0).text());
    assertEquals("image", parts.get(1).name());
    assertEquals("a;b \"c\".png", parts.get(1).filename());
    assertEquals("image/png", parts.get(1).contentType());
    assertArrayEquals(b("\r\n--b;"), parts.get(1).data());
    // an empty form
    assertEquals(0, Multipart.parse("multipart/form-data; boundary=z", b("--z--\r\n")).size());
  }

  @Test
  void refusesMalformedBodies() {
    String ct = "multipart/form-data; boundary=z";
    assertRefused(415, "multipart/form-data", "application/json", "{}");
    assertRefused(415, "no Content-Type", null, "x");
    assertRefused(400, "no boundary", "multipart/form-data", "--z--");
    assertRefused(400, "1 to 70", "multipart/form-data; boundary=" + "a".repeat(71), "x");
    assertRefused(400, "empty", ct, "");
    assertRefused(400, "does not occur", ct, "hello");
    assertRefused(
        400,
        "closing boundary",
        ct,
        "--z\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue");
    assertRefused(400, "blank line", ct, "--z\r\nContent-Disposition: form-data; name=\"a\"");
    assertRefused(
        400,
        "blank line",
        ct,
        "--z\r\nContent-Disposition: form-data; name=\"a\"\r\nvalue\r\n--z\r\n"
            + "Content-Disposition: form-data; name=\"b\"\r\n\r\nv\r\n--z--");
    assertRefused(400, "no name", ct, "--z\r\nContent-Disposition: form-data\r\n\r\nv\r\n--z--");
    assertRefused(400, "no Content-Disposition", ct, "--z\r\nX-A: 1\r\n\r\nv\r\n--z--");
    assertRefused(
        400, "not form-data", ct, "--z\r\nContent-Disposition: inline; name=a\r\n\r\nv\r\n--z--");
    assertRefused(400, "not followed by CRLF", ct, "--zjunk");
    assertRefused(
        400,
        "unclosed quote",
        ct,
        "--z\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--z--");
    assertRefused(
        400,
        "longer than",
        ct,
        "--z\r\nContent-Disposition: form-data; name=a\r\nX: "
            + "y".repeat(9000)
            + "\r\n\r\nv\r\n--z--");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= Multipart.MAX_PARTS; i++)
      many.append("--z\r\nContent-Disposition: form-data; name=f")
          .append(i)
          .append("\r\n\r\nv\r\n");
    many.append("--z--");
    assertRefused(400, "more than " + Multipart.MAX_PARTS, ct, many.toString());
  }
}
