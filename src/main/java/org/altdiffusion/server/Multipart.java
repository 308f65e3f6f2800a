package org.altdiffusion.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small, strict parser of {@code multipart/form-data} bodies (RFC 7578): the boundary comes from
 * the Content-Type header, the body is already read within the server's size limit, and anything
 * malformed (no boundary, no closing delimiter, a part without a name, oversized part headers, too
 * many parts) is a 400 that says what is wrong. Nothing is written to disk.
 */
final class Multipart {
  /** Most parts a body may have: the OpenAI image routes take about a dozen fields. */
  static final int MAX_PARTS = 64;

  /** Most bytes of one part's headers. */
  static final int MAX_HEADER_BYTES = 8192;

  /**
   * One part.
   *
   * @param name the form field name
   * @param filename the file name the client gave (a file upload), null for a plain field
   * @param contentType the part's Content-Type, null when absent
   * @param data the part's bytes
   */
  record Part(String name, String filename, String contentType, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }

    boolean isFile() {
      return filename != null;
    }
  }

  private Multipart() {}

  /** The boundary of a {@code multipart/form-data} Content-Type; 415 for another media type. */
  static String boundary(String contentType) {
    if (contentType == null)
      throw new ApiException(
          415,
          "Unsupported Media Type",
          "this endpoint takes multipart/form-data; the request has no Content-Type");
    List<String> params = splitParams(contentType);
    String mime = params.get(0).strip().toLowerCase(Locale.ROOT);
    if (!mime.equals("multipart/form-data"))
      throw new ApiException(
          415,
          "Unsupported Media Type",
          "this endpoint takes multipart/form-data, got '" + Json.abbreviate(contentType) + "'");
    for (int i = 1; i < params.size(); i++) {
      String[] kv = param(params.get(i));
      if (kv != null && kv[0].equals("boundary")) {
        String b = kv[1];
        if (b.isEmpty() || b.length() > 70)
          throw ApiException.badRequest(
              "the multipart boundary must be 1 to 70 characters, got " + b.length());
        return b;
      }
    }
    throw ApiException.badRequest("the multipart/form-data Content-Type has no boundary parameter");
  }

  /** Parses {@code body}, sent with {@code contentType}. */
  static List<Part> parse(String contentType, byte[] body) {
    byte[] delimiter = ("--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
    byte[] crlfDelimiter = new byte[delimiter.length + 2];
    crlfDelimiter[0] = '\r';
    crlfDelimiter[1] = '\n';
    System.arraycopy(delimiter, 0, crlfDelimiter, 2, delimiter.length);
    if (body.length == 0) throw malformed("the body is empty");
    // The first delimiter opens the body or follows a preamble line.
    int pos;
    if (startsWith(body, 0, delimiter)) {
      pos = delimiter.length;
    } else {
      int at = indexOf(body, crlfDelimiter, 0);
      if (at < 0) throw malformed("the boundary given in the Content-Type does not occur in it");
      pos = at + crlfDelimiter.length;
    }
    List<Part> parts = new ArrayList<>();
    while (true) {
      if (startsWith(body, pos, new byte[] {'-', '-'})) return parts; // closing delimiter
      pos = skipTransportPadding(body, pos);
      if (!startsWith(body, pos, new byte[] {'\r', '\n'}))
        throw malformed("a boundary line is not followed by CRLF");
      pos += 2;
      int headerEnd = indexOf(body, new byte[] {'\r', '\n', '\r', '\n'}, pos);
      // A part without headers has its blank line right away.
      boolean noHeaders = startsWith(body, pos, new byte[] {'\r', '\n'});
      if (noHeaders) headerEnd = pos - 2;
      int next = indexOf(body, crlfDelimiter, pos);
      if (headerEnd < 0 || (next >= 0 && headerEnd > next))
        throw malformed("a part's headers do not end with a blank line");
      if (headerEnd - pos > MAX_HEADER_BYTES)
        throw malformed("a part's headers are longer than " + MAX_HEADER_BYTES + " bytes");
      String headers =
          noHeaders ? "" : new String(body, pos, headerEnd - pos, StandardCharsets.UTF_8);
      int dataStart = headerEnd + 4;
      int dataEnd = indexOf(body, crlfDelimiter, dataStart);
      if (dataEnd < 0)
        throw malformed(
            "it ends without its closing boundary (--" + boundaryText(delimiter) + "--)");
      if (parts.size() == MAX_PARTS) throw malformed("it has more than " + MAX_PARTS + " parts");
      parts.add(part(headers, java.util.Arrays.copyOfRange(body, dataStart, dataEnd)));
      pos = dataEnd + crlfDelimiter.length;
    }
  }

  private static String boundaryText(byte[] delimiter) {
    return new String(delimiter, 2, delimiter.length - 2, StandardCharsets.ISO_8859_1);
  }

  private static int skipTransportPadding(byte[] body, int pos) {
    while (pos < body.length && (body[pos] == ' ' || body[pos] == '\t')) pos++;
    return pos;
  }

  private static Part part(String headers, byte[] data) {
    String name = null;
    String filename = null;
    String type = null;
    boolean disposition = false;
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0)
        throw malformed("a part header line has no name: '" + Json.abbreviate(line) + "'");
      String header = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      if (header.equals("content-disposition")) {
        disposition = true;
        List<String> params = splitParams(value);
        if (!params.get(0).strip().equalsIgnoreCase("form-data"))
          throw malformed("a part's Content-Disposition is not form-data");
        for (int i = 1; i < params.size(); i++) {
          String[] kv = param(params.get(i));
          if (kv == null) continue;
          if (kv[0].equals("name")) name = kv[1];
          else if (kv[0].equals("filename")) filename = kv[1];
        }
      } else if (header.equals("content-type")) {
        type = value;
      }
    }
    if (!disposition) throw malformed("a part has no Content-Disposition header");
    if (name == null || name.isEmpty()) throw malformed("a part's Content-Disposition has no name");
    return new Part(name, filename, type, data);
  }

  /** Splits a header value on semicolons that are not inside quotes. */
  private static List<String> splitParams(String value) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quoted && c == '\\' && i + 1 < value.length()) {
        cur.append(c).append(value.charAt(++i));
        continue;
      }
      if (c == '"') quoted = !quoted;
      if (c == ';' && !quoted) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (quoted) throw malformed("a header has an unclosed quote: '" + Json.abbreviate(value) + "'");
    out.add(cur.toString());
    return out;
  }

  /** {@code key=value} or {@code key="quoted value"}: [lower-case key, value], null without '='. */
  private static String[] param(String p) {
    int eq = p.indexOf('=');
    if (eq < 0) return null;
    String key = p.substring(0, eq).strip().toLowerCase(Locale.ROOT);
    String v = p.substring(eq + 1).strip();
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1).replaceAll("\\\\(.)", "$1");
    }
    return new String[] {key, v};
  }

  private static boolean startsWith(byte[] body, int at, byte[] what) {
    if (at < 0 || at + what.length > body.length) return false;
    for (int i = 0; i < what.length; i++) if (body[at + i] != what[i]) return false;
    return true;
  }

  static int indexOf(byte[] body, byte[] what, int from) {
    int last = body.length - what.length;
    byte first = what[0];
    outer:
    for (int i = Math.max(0, from); i <= last; i++) {
      if (body[i] != first) continue;
      for (int j = 1; j < what.length; j++) if (body[i + j] != what[j]) continue outer;
      return i;
    }
    return -1;
  }

  private static ApiException malformed(String why) {
    return ApiException.badRequest("malformed multipart/form-data body: " + why);
  }
}
