package org.altdiffusion.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.altdiffusion.prompt.Embeddings;

/**
 * Everything the HTTP server is configured with. {@link #defaults()} gives the values {@code
 * altdiffusion serve} starts with; every limit is enforced on each request and published in {@code
 * /openapi.json}.
 *
 * @param host address to bind (default 127.0.0.1; anything else needs a token or {@code
 *     insecureNoToken})
 * @param port TCP port (default 7860 as AUTOMATIC1111; 0 = any free port)
 * @param queueCapacity jobs that may wait behind the running one (default 8); more get 503
 * @param apiToken bearer token every API call must carry; null = none (default null)
 * @param insecureNoToken allow a non-loopback bind without a token (default false)
 * @param outputDir where {@code save_images} writes PNGs; null = saving disabled (default null)
 * @param maxBodyBytes largest request body (default 32 MiB)
 * @param maxSide largest width/height in pixels (default 2048)
 * @param maxSteps most sampling steps (default 150, AUTOMATIC1111's slider maximum)
 * @param maxBatchSize largest batch_size (default 8)
 * @param maxImages most images per request, batch_size x n_iter (default 16)
 * @param maxPromptChars longest prompt or negative prompt, in characters (default 20000)
 * @param httpThreads threads answering HTTP requests (default 16); waiting for a job holds none
 * @param keepFinishedJobs finished job-API results kept for collection (default 64, oldest dropped
 *     first)
 * @param finishedJobTtl how long a finished job-API result is kept (default 1 hour)
 * @param shutdownGrace how long shutdown lets the running job finish before cancelling it (default
 *     10 s)
 * @param styles prompt styles requests may name ({@code --styles}; default none)
 * @param embeddings textual-inversion embeddings prompts may name ({@code --embeddings}; default
 *     the folder models/embeddings)
 * @param controlNets the folder of the ControlNets that A1111's ControlNet-extension requests name
 *     ({@code --controlnets}; default models/controlnet), read at request time
 */
public record ServerConfig(
    String host,
    int port,
    int queueCapacity,
    String apiToken,
    boolean insecureNoToken,
    Path outputDir,
    long maxBodyBytes,
    int maxSide,
    int maxSteps,
    int maxBatchSize,
    int maxImages,
    int maxPromptChars,
    int httpThreads,
    int keepFinishedJobs,
    Duration finishedJobTtl,
    Duration shutdownGrace,
    PromptStyles styles,
    Embeddings embeddings,
    Path controlNets) {

  public static ServerConfig defaults() {
    return new ServerConfig(
        "127.0.0.1",
        7860,
        8,
        null,
        false,
        null,
        32L << 20,
        2048,
        150,
        8,
        16,
        20_000,
        16,
        64,
        Duration.ofHours(1),
        Duration.ofSeconds(10),
        PromptStyles.NONE,
        Embeddings.folder(Path.of("models", "embeddings")),
        Path.of("models", "controlnet"));
  }

  public ServerConfig {
    if (host == null || host.isBlank())
      throw new IllegalArgumentException("host must not be empty");
    if (port < 0 || port > 65535)
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    if (queueCapacity < 0)
      throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
    if (apiToken != null && apiToken.isBlank()) apiToken = null;
    if (maxBodyBytes < 1024) throw new IllegalArgumentException("max body must be >= 1024 bytes");
    if (maxSide < 8 || maxSteps < 1 || maxBatchSize < 1 || maxImages < 1 || maxPromptChars < 1) {
      throw new IllegalArgumentException("limits must be positive (max side >= 8)");
    }
    if (httpThreads < 2)
      throw new IllegalArgumentException("http threads must be >= 2, got " + httpThreads);
    if (styles == null) styles = PromptStyles.NONE;
    if (embeddings == null) embeddings = Embeddings.none();
    if (controlNets == null) controlNets = Path.of("models", "controlnet");
    if (keepFinishedJobs < 1) throw new IllegalArgumentException("keep finished jobs must be >= 1");
  }

  public ServerConfig withHost(String v) {
    return with(b -> b.host = v);
  }

  public ServerConfig withPort(int v) {
    return with(b -> b.port = v);
  }

  public ServerConfig withQueueCapacity(int v) {
    return with(b -> b.queueCapacity = v);
  }

  public ServerConfig withApiToken(String v) {
    return with(b -> b.apiToken = v);
  }

  public ServerConfig withInsecureNoToken(boolean v) {
    return with(b -> b.insecureNoToken = v);
  }

  public ServerConfig withOutputDir(Path v) {
    return with(b -> b.outputDir = v);
  }

  public ServerConfig withMaxBodyBytes(long v) {
    return with(b -> b.maxBodyBytes = v);
  }

  public ServerConfig withLimits(int side, int steps, int batch, int images) {
    return with(
        b -> {
          b.maxSide = side;
          b.maxSteps = steps;
          b.maxBatchSize = batch;
          b.maxImages = images;
        });
  }

  public ServerConfig withShutdownGrace(Duration v) {
    return with(b -> b.shutdownGrace = v);
  }

  public ServerConfig withKeepFinishedJobs(int v, Duration ttl) {
    return with(
        b -> {
          b.keepFinishedJobs = v;
          b.finishedJobTtl = ttl;
        });
  }

  public ServerConfig withStyles(PromptStyles v) {
    return with(b -> b.styles = v);
  }

  public ServerConfig withEmbeddings(Embeddings v) {
    return with(b -> b.embeddings = v);
  }

  public ServerConfig withControlNets(Path v) {
    return with(b -> b.controlNets = v);
  }

  /** This config with {@code change} applied to a copy of its values (checked again). */
  private ServerConfig with(Consumer<Values> change) {
    Values b = new Values(this);
    change.accept(b);
    return b.build();
  }

  /** The values of a config, mutable, for the withers. */
  private static final class Values {
    String host;
    int port;
    int queueCapacity;
    String apiToken;
    boolean insecureNoToken;
    Path outputDir;
    long maxBodyBytes;
    int maxSide;
    int maxSteps;
    int maxBatchSize;
    int maxImages;
    int maxPromptChars;
    int httpThreads;
    int keepFinishedJobs;
    Duration finishedJobTtl;
    Duration shutdownGrace;
    PromptStyles styles;
    Embeddings embeddings;
    Path controlNets;

    Values(ServerConfig c) {
      host = c.host;
      port = c.port;
      queueCapacity = c.queueCapacity;
      apiToken = c.apiToken;
      insecureNoToken = c.insecureNoToken;
      outputDir = c.outputDir;
      maxBodyBytes = c.maxBodyBytes;
      maxSide = c.maxSide;
      maxSteps = c.maxSteps;
      maxBatchSize = c.maxBatchSize;
      maxImages = c.maxImages;
      maxPromptChars = c.maxPromptChars;
      httpThreads = c.httpThreads;
      keepFinishedJobs = c.keepFinishedJobs;
      finishedJobTtl = c.finishedJobTtl;
      shutdownGrace = c.shutdownGrace;
      styles = c.styles;
      embeddings = c.embeddings;
      controlNets = c.controlNets;
    }

    ServerConfig build() {
      return new ServerConfig(
          host,
          port,
          queueCapacity,
          apiToken,
          insecureNoToken,
          outputDir,
          maxBodyBytes,
          maxSide,
          maxSteps,
          maxBatchSize,
          maxImages,
          maxPromptChars,
          httpThreads,
          keepFinishedJobs,
          finishedJobTtl,
          shutdownGrace,
          styles,
          embeddings,
          controlNets);
    }
  }
}
