package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding: a loopback server without a token answers only to literal loopback Host names and
 * takes state-changing requests only from such origins. Requests go over a raw socket, so that the
 * Host header is exactly what a rebinding page's browser would send.
 */
class ApiServerHostCheckTest {
  private static ApiServer server;

  /** Names that DNS (or a resolver's legacy number parsing) can point anywhere. */
  static final List<String> REFUSED =
      List.of(
          "127.attacker.example",
          "127.0.0.1.nip.io",
          "127.0.0.1.attacker",
          "127.0.0.1.",
          "localhost.attacker.example",
          "localhost.",
          "attacker.localhost",
          "attacker.example",
          "0x7f.0.0.1",
          "0x7f000001",
          "0177.0.0.1",
          "127.000.000.001",
          "127.0.0.01",
          "127.1",
          "127.0.1",
          "2130706433",
          "127.0.0.256",
          "127.0.0.1.1",
          "1.2.3.4",
          "0.0.0.0",
          "[::ffff:127.0.0.1]",
          "[::2]",
          "[::1%25lo]",
          "[::1]x",
          "[1.2.3.4::1]",
          "[::1",
          "::1",
          "127.0.0.1:80:80",
          "127.0.0.1:99999",
          "127.0.0.1:8o",
          "localhost@attacker.example",
          "attacker.example#@localhost",
          "loca\u0131host",
          "localho\u017ft",
          "");

  @BeforeAll
  static void start() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 16, "m18"));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void refusesEveryHostThatIsNotALiteralLoopbackName() throws Exception {
    List<String> wronglyServed = new ArrayList<>();
    for (String host : REFUSED) {
      boolean hasPort = host.isEmpty() || (host.contains(":") && !host.endsWith("]"));
      for (String h : hasPort ? List.of(host) : List.of(host, host + ":" + server.port())) {
        String answer = raw("GET /sdapi/v1/progress HTTP/1.1\r\nHost: " + h + "\r\n\r\n");
        if (!answer.startsWith("HTTP/1.1 403 ")) wronglyServed.add(h + " -> " + firstLine(answer));
        else assertTrue(answer.contains("DNS rebinding"), answer);
      }
    }
    assertTrue(wronglyServed.isEmpty(), "served for non-loopback Host names: " + wronglyServed);
  }

  @Test
  void servesLiteralLoopbackNamesWithOrWithoutPort() throws Exception {
    List<String> refused = new ArrayList<>();
    for (String host :
        List.of(
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.0.0.2",
            "127.255.255.254",
            "127.10.0.1",
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
            "[0000:0000:0000:0000:0000:0000:0000:0001]",
            "[::0:1]",
            "[0::1]",
            "[::0.0.0.1]")) {
      for (String h : List.of(host, host + ":" + server.port(), host + ":")) {
        String answer = raw("GET /sdapi/v1/progress HTTP/1.1\r\nHost: " + h + "\r\n\r\n");
        if (!answer.startsWith("HTTP/1.1 200 ")) refused.add(h + " -> " + firstLine(answer));
      }
    }
    assertTrue(refused.isEmpty(), "refused loopback Host names: " + refused);
  }

  @Test
  void rebindingPageCannotGenerateEvenWithAMatchingOrigin() throws Exception {
    String body = "{\"prompt\":\"x\",\"steps\":1}";
    for (String name : List.of("127.attacker.example", "127.0.0.1.nip.io", "localhost.evil")) {
      String authority = name + ":" + server.port();
      String answer =
          raw(
              "POST /sdapi/v1/txt2img HTTP/1.1\r\nHost: "
                  + authority
                  + "\r\nOrigin: http://"
                  + authority
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body);
      assertTrue(answer.startsWith("HTTP/1.1 403 "), name + ": " + firstLine(answer));
      assertFalse(answer.contains("\"images\""), answer);
    }
  }

  @Test
  void originMustBeALiteralLoopbackNameAndTheHost() throws Exception {
    String host = "127.0.0.1:" + server.port();
    for (String origin :
        List.of(
            "http://127.attacker.example:" + server.port(),
            "http://127.0.0.1.nip.io:" + server.port(),
            "http://localhost:" + server.port(), // a loopback name, but not the Host
            "null")) {
      String answer =
          raw(
              "POST /sdapi/v1/interrupt HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nOrigin: "
                  + origin
                  + "\r\nContent-Length: 0\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 403 "), origin + ": " + firstLine(answer));
      assertTrue(answer.contains("cross-origin"), answer);
    }
    for (String h : List.of(host, "localhost:" + server.port(), "[::1]:" + server.port())) {
      String answer =
          raw(
              "POST /sdapi/v1/interrupt HTTP/1.1\r\nHost: "
                  + h
                  + "\r\nOrigin: http://"
                  + h
                  + "\r\nContent-Length: 0\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 200 "), h + ": " + firstLine(answer));
    }
  }

  @Test
  void withATokenOtherNamesAreServed() throws Exception {
    String token = "t0ken-for-the-host-test";
    ApiServer withToken =
        Servers.start(Servers.config().withApiToken(token), new TestModels(0, 16, "m18"));
    try {
      String answer =
          raw(
              withToken.port(),
              "GET /sdapi/v1/progress HTTP/1.1\r\nHost: altdiffusion.lan\r\nAuthorization: Bearer "
                  + token
                  + "\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 200 "), firstLine(answer));
    } finally {
      withToken.close();
    }
  }

  private static String firstLine(String answer) {
    int nl = answer.indexOf('\r');
    return nl < 0 ? answer : answer.substring(0, nl);
  }

  private static String raw(String request) throws Exception {
    return raw(server.port(), request);
  }

  /** Sends one request with {@code Connection: close} and returns the whole answer. */
  private static String raw(int port, String request) throws Exception {
    String r = request.replaceFirst("\r\n", "\r\nConnection: close\r\n");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(r.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }
}
