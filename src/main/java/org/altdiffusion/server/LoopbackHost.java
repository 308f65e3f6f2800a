package org.altdiffusion.server;

import java.util.Locale;

/**
 * Which {@code Host} header values (and Origin authorities) name this machine's loopback interface
 * in a way that DNS cannot redirect: {@code localhost}, a literal IPv4 address in 127.0.0.0/8
 * written as four decimal octets without leading zeros ({@code 127.0.0.1}), or the bracketed IPv6
 * loopback address in any valid spelling ({@code [::1]}, {@code [0:0:0:0:0:0:0:1]}), each with an
 * optional {@code :port}. Nothing is ever looked up.
 *
 * <p>Everything else is refused, among it names that merely start like an address ({@code
 * 127.attacker.example}, {@code 127.0.0.1.nip.io}, {@code localhost.attacker.example}), which an
 * attacker's DNS can point at 127.0.0.1 after a page of theirs has loaded (DNS rebinding), and the
 * legacy IPv4 spellings that some resolvers read differently ({@code 0x7f.0.0.1}, {@code
 * 0177.0.0.1}, {@code 127.1}, {@code 2130706433}): browsers always send the canonical form.
 */
final class LoopbackHost {
  private LoopbackHost() {}

  /**
   * True when {@code authority} ({@code host[:port]}, as in a Host header or an Origin) names the
   * loopback interface literally, or names {@code extraHost} (the host the server was told to bind,
   * compared case-insensitively, IPv6 without brackets).
   */
  static boolean accepts(String authority, String extraHost) {
    String host = hostOf(authority);
    if (host == null) return false;
    if (isLoopbackLiteral(host)) return true;
    if (extraHost == null) return false;
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return bare.equalsIgnoreCase(extraHost.strip());
  }

  /**
   * The host part of {@code host[:port]} (IPv6 kept in brackets), or null when the port is not 0-5
   * digits up to 65535 or the text is not shaped as an authority at all.
   */
  static String hostOf(String authority) {
    if (authority == null) return null;
    String a = authority.strip();
    // Only printable ASCII: no Unicode case folding (a dotless i, a long s) can make a name match.
    if (!a.chars().allMatch(c -> c > 0x20 && c < 0x7f)) return null;
    String host;
    String port = null;
    if (a.startsWith("[")) {
      int end = a.indexOf(']');
      if (end < 0) return null;
      host = a.substring(0, end + 1);
      String rest = a.substring(end + 1);
      if (!rest.isEmpty()) {
        if (rest.charAt(0) != ':') return null;
        port = rest.substring(1);
      }
    } else {
      int colon = a.indexOf(':');
      if (colon >= 0) {
        host = a.substring(0, colon);
        port = a.substring(colon + 1);
      } else {
        host = a;
      }
    }
    if (host.isEmpty()) return null;
    if (port != null) {
      if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
      if (!port.isEmpty() && Integer.parseInt(port) > 65535) return null;
    }
    return host;
  }

  /** {@code localhost}, a canonical dotted-quad 127.x.y.z, or a bracketed IPv6 ::1. */
  static boolean isLoopbackLiteral(String host) {
    if (host.equalsIgnoreCase("localhost")) return true;
    if (host.startsWith("[") && host.endsWith("]")) {
      byte[] a = ipv6(host.substring(1, host.length() - 1));
      if (a == null) return false;
      for (int i = 0; i < 15; i++) if (a[i] != 0) return false;
      return a[15] == 1;
    }
    int[] v4 = ipv4(host);
    return v4 != null && v4[0] == 127;
  }

  /** Four decimal octets 0-255 without leading zeros, else null. */
  static int[] ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) return null;
    int[] out = new int[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3) return null;
      if (!p.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
      if (p.length() > 1 && p.charAt(0) == '0') return null; // octal in some resolvers
      out[i] = Integer.parseInt(p);
      if (out[i] > 255) return null;
    }
    return out;
  }

  /**
   * An IPv6 address in RFC 4291 text form (hex groups, at most one {@code ::}, optionally an IPv4
   * dotted quad as the last 32 bits; no zone id), as 16 bytes, else null.
   */
  static byte[] ipv6(String s) {
    String t = s.toLowerCase(Locale.ROOT);
    if (t.isEmpty() || t.length() > 45) return null;
    int gap = t.indexOf("::");
    if (gap >= 0 && t.indexOf("::", gap + 1) >= 0) return null;
    String head = gap < 0 ? t : t.substring(0, gap);
    String tail = gap < 0 ? "" : t.substring(gap + 2);
    // an IPv4 tail may only end the address
    int[] h = groups(head, gap < 0);
    int[] tl = groups(tail, true);
    if (h == null || tl == null) return null;
    int n = h.length + tl.length;
    if (gap < 0 ? n != 8 : n > 7) return null;
    int[] all = new int[8];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(tl, 0, all, 8 - tl.length, tl.length);
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[2 * i] = (byte) (all[i] >> 8);
      out[2 * i + 1] = (byte) all[i];
    }
    return out;
  }

  /** Colon-separated 16-bit groups; a trailing dotted quad counts as two. Null when malformed. */
  private static int[] groups(String s, boolean ipv4Tail) {
    if (s.isEmpty()) return new int[0];
    String[] parts = s.split(":", -1);
    int[] out = new int[parts.length + 1];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (ipv4Tail && i == parts.length - 1 && p.indexOf('.') >= 0) {
        int[] v4 = ipv4(p);
        if (v4 == null) return null;
        out[n++] = v4[0] << 8 | v4[1];
        out[n++] = v4[2] << 8 | v4[3];
        continue;
      }
      if (p.isEmpty() || p.length() > 4) return null;
      int v = 0;
      for (int k = 0; k < p.length(); k++) {
        char c = p.charAt(k);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return null;
        v = v << 4 | d;
      }
      out[n++] = v;
    }
    return java.util.Arrays.copyOf(out, n);
  }
}
