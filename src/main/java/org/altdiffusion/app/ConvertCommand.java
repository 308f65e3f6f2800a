package org.altdiffusion.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.pipeline.SingleFileConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code altdiffusion convert IN OUT}: a diffusers folder to a single file, or the reverse. */
@Command(
    name = "convert",
    description =
        "Convert a diffusers model folder into one .safetensors file in the original (LDM/A1111)"
            + " layout, or such a single file (.safetensors/.ckpt) into a diffusers folder.")
final class ConvertCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "A diffusers model folder, or a single-file checkpoint.")
  Path input;

  @Parameters(
      index = "1",
      description = "The .safetensors file to write (from a folder), or the folder to write.")
  Path output;

  @Mixin ModelOptions options;

  @Override
  public Integer call() {
    if (options.vae != null)
      throw new IllegalArgumentException(
          "convert writes the model's own VAE; --vae is for generate and serve");
    Torch.init();
    if (Files.isDirectory(input)) SingleFileConverter.toSingleFile(input, output);
    else SingleFileConverter.toFolder(input, output, options.singleFile());
    System.out.println(output);
    return 0;
  }
}
