package org.altdiffusion.app;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.altdiffusion.lora.LoraFolder;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.VaeFiles;
import org.altdiffusion.prompt.Embeddings;
import org.altdiffusion.server.ApiServer;
import org.altdiffusion.server.FolderModelRegistry;
import org.altdiffusion.server.ModelInfo;
import org.altdiffusion.server.ModelLoader;
import org.altdiffusion.server.PromptStyles;
import org.altdiffusion.server.ServerConfig;
import org.altdiffusion.server.VaeFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code altdiffusion serve}: the HTTP server (AUTOMATIC1111 API, job API, web page). */
@Command(
    name = "serve",
    description =
        "Serve the models of a folder over HTTP: AUTOMATIC1111's API (/sdapi/v1), a job API"
            + " (/api/v1), OpenAI's images API (/v1/images, /v1/models), a web page (/) and its"
            + " OpenAPI description (/openapi.json). Ctrl-C stops it cleanly.")
public final class ServeCommand implements Callable<Integer> {
  static final String TOKEN_ENV = "ALTDIFFUSION_API_TOKEN";

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description =
          "Address to listen on. Default ${DEFAULT-VALUE} (this machine only); other addresses need"
              + " --api-token.")
  String host;

  @Option(
      names = "--port",
      defaultValue = "7860",
      description = "TCP port. Default ${DEFAULT-VALUE} (as AUTOMATIC1111).")
  int port;

  @Option(
      names = "--models",
      description =
          "Folder of models (diffusers folders). Default: the checkout's models/ folder, which"
              + " holds the built-in model.")
  Path models;

  @Option(
      names = "--loras",
      paramLabel = "DIR",
      description =
          "Folder of the LoRAs prompts name with <lora:NAME:WEIGHT> (.safetensors, .pt, .ckpt;"
              + " listed by GET /sdapi/v1/loras, re-read by POST /sdapi/v1/refresh-loras)."
              + " Default: the models folder's lora/ (models/lora).")
  Path loraDir;

  @Option(
      names = "--embeddings",
      paramLabel = "DIR",
      description =
          "Folder of textual-inversion embeddings prompts name (A1111 .pt/.safetensors, diffusers"
              + " learned_embeds; listed by GET /sdapi/v1/embeddings). Default: the models"
              + " folder's embeddings/ (models/embeddings).")
  Path embeddingsDir;

  @Option(
      names = "--controlnets",
      paramLabel = "DIR",
      description =
          "Folder of the ControlNets that A1111 ControlNet-extension requests name (diffusers"
              + " folders, control_*.safetensors/.pth; listed by GET /controlnet/model_list, read"
              + " at each request). Default: the models folder's controlnet/ (models/controlnet).")
  Path controlNetDir;

  @Option(
      names = "--model",
      description = "Model to start with (a name from the models folder). Default: the first one.")
  String model;

  @Option(
      names = "--queue",
      defaultValue = "8",
      description =
          "Jobs that may wait behind the running one; more are refused with 503. Default"
              + " ${DEFAULT-VALUE}.")
  int queue;

  @Option(
      names = "--api-token",
      description =
          "Token every API request must carry (Authorization: Bearer TOKEN). Default: $"
              + TOKEN_ENV
              + ", else none.")
  String apiToken;

  @Option(
      names = "--insecure-no-token",
      description = "Allow listening beyond this machine without a token.")
  boolean insecureNoToken;

  @Option(
      names = "--output",
      description =
          "Folder where requests with save_images=true write their PNGs, and where OpenAI"
              + " requests with response_format=url keep theirs (DIR/openai). Default: saving"
              + " disabled.")
  Path output;

  @Option(
      names = "--styles",
      description =
          "AUTOMATIC1111 styles.csv (columns name, prompt, negative_prompt) whose styles requests"
              + " may name in their styles field. Default: none.")
  Path styles;

  @Option(
      names = "--max-side",
      description =
          "Largest image side in pixels a request may ask for (a multiple of 8 is used). Default"
              + " and most: 2048.")
  Integer maxSide;

  @Option(
      names = "--max-steps",
      description = "Most sampling steps a request may ask for. Default and most: 150.")
  Integer maxSteps;

  @Option(
      names = "--max-batch-size",
      description = "Most images per batch (batch_size). Default and most: 8.")
  Integer maxBatchSize;

  @Option(
      names = "--max-images",
      description = "Most images per request (batch_size x n_iter). Default and most: 16.")
  Integer maxImages;

  /** The pipeline's loader; null = {@link #pipelineLoader()}. Tests set it. */
  ModelLoader loader;

  /**
   * Whether Ctrl-C / SIGTERM / JVM exit stop the server; tests that call {@link #stop} turn it off.
   */
  boolean handleSignals = true;

  private volatile ApiServer server;
  private final CountDownLatch stopped = new CountDownLatch(1);

  /** A limit given on the command line: it may lower the built-in one, not raise it. */
  private static int limit(String option, Integer given, int most) {
    if (given == null) return most;
    if (given < 1 || given > most)
      throw new IllegalArgumentException(
          option + " must be between 1 and " + most + ", got " + given);
    return given;
  }

  @Override
  public Integer call() throws Exception {
    modelOptions.device.resolve(); // a missing GPU fails before anything starts
    precision.resolve(); // as does an unknown --dtype
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %5$s%6$s%n");
    String token = apiToken != null ? apiToken : System.getenv(TOKEN_ENV);
    ServerConfig config =
        ServerConfig.defaults()
            .withHost(host)
            .withPort(port)
            .withQueueCapacity(queue)
            .withApiToken(token)
            .withInsecureNoToken(insecureNoToken)
            .withOutputDir(output);
    if (styles != null) config = config.withStyles(PromptStyles.load(styles));
    ServerConfig d = ServerConfig.defaults();
    config =
        config.withLimits(
            limit("--max-side", maxSide, d.maxSide()),
            limit("--max-steps", maxSteps, d.maxSteps()),
            limit("--max-batch-size", maxBatchSize, d.maxBatchSize()),
            limit("--max-images", maxImages, d.maxImages()));
    if (!InetAddress.getByName(host).isLoopbackAddress()
        && config.apiToken() == null
        && !insecureNoToken) {
      throw new IllegalArgumentException(
          "refusing to listen on "
              + host
              + " without an API token: anyone who can reach it could use "
              + "this server. Give --api-token TOKEN (or $"
              + TOKEN_ENV
              + "), or --insecure-no-token to accept that.");
    }
    if (models == null) models = BuiltInModel.projectRoot().resolve("models");
    if (!Files.isDirectory(models))
      throw new IllegalArgumentException(
          "models folder " + models + " does not exist; give --models DIR");
    vaes = new VaeFolder(vaesDir != null ? vaesDir : models.resolve("vae"));
    FolderModelRegistry registry =
        new FolderModelRegistry(models, loader != null ? loader : pipelineLoader(), vaes);
    if (registry.models().isEmpty()) {
      throw new IllegalArgumentException(
          "no models in "
              + models
              + ": put diffusers folders (with model_index.json) or .safetensors files there");
    }
    System.err.println(
        "models in "
            + models
            + ": "
            + String.join(", ", registry.models().stream().map(ModelInfo::title).toList()));
    config =
        config
            .withEmbeddings(
                Embeddings.folder(
                    embeddingsDir != null ? embeddingsDir : models.resolve("embeddings")))
            .withControlNets(controlNetDir != null ? controlNetDir : models.resolve("controlnet"));
    LoraFolder loraFolder = new LoraFolder(loraDir != null ? loraDir : models.resolve("lora"));
    System.err.println(
        "LoRAs in "
            + loraFolder.root()
            + ": "
            + (loraFolder.entries().isEmpty()
                ? (Files.isDirectory(loraFolder.root()) ? "none" : "none (no such folder)")
                : String.join(
                    ", ", loraFolder.entries().stream().map(LoraFolder.Entry::name).toList())));
    server = new ApiServer(config, registry, model, loraFolder);
    System.err.println(
        "AltDiffusion server at "
            + server.url()
            + "/  (API description: "
            + server.url()
            + "/openapi.json)");
    if (handleSignals) installStopHandlers();
    stopped.await();
    return 0;
  }

  @picocli.CommandLine.Mixin ModelOptions modelOptions = new ModelOptions();
  @picocli.CommandLine.Mixin PrecisionOption precision = new PrecisionOption();
  @picocli.CommandLine.Mixin VaeTilingOption vaeTiling = new VaeTilingOption();

  @Option(
      names = "--vaes",
      description =
          "Folder of standalone VAEs (.safetensors/.ckpt/.pt files, diffusers vae folders) offered"
              + " by /sdapi/v1/sd-vae and the sd_vae option. Default: the models folder's vae/.")
  Path vaesDir;

  private VaeFolder vaes = new VaeFolder(null);

  /**
   * The diffusion pipeline: diffusers folders and single-file checkpoints (read as {@code
   * --config/--tokenizer/--no-ema/--prediction-type} say), with {@code --vae} when given.
   */
  ModelLoader pipelineLoader() {
    return (location, name) -> {
      Path chosen = vaes.selectedPath();
      var model = modelOptions.load(location, precision.resolve());
      return vaeTiling.apply(
          precision.apply(
              new DiffusionPipeline(
                  chosen == null
                      ? model
                      : VaeFiles.withVae(model, chosen)
                          .to(model.device())
                          .in(precision.resolve()))));
    };
  }

  /**
   * Ctrl-C / SIGTERM stop the server before the JVM starts exiting, so that the shutdown (which
   * jobs were cancelled, which finished) is still logged; a shutdown hook covers other exits.
   */
  private void installStopHandlers() {
    try {
      for (String name : new String[] {"INT", "TERM"}) {
        sun.misc.Signal.handle(
            new sun.misc.Signal(name),
            sig -> {
              stop();
              System.exit(0);
            });
      }
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      // no signal handling on this platform: the shutdown hook below still closes the server
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "altdiffusion-shutdown"));
  }

  /** Stops the server (idempotent) and lets {@link #call} return. */
  synchronized void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
    stopped.countDown();
  }

  /** The running server, null before it started and after it stopped. */
  ApiServer server() {
    return server;
  }
}
