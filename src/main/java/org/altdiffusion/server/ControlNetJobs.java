package org.altdiffusion.server;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.pipeline.ControlNetUnit;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.Infotext;

/**
 * The ControlNet part of a job, on the worker thread: each enabled unit's picture through its
 * preprocessor, its ControlNet loaded (the last few kept, keyed by path and title, whose hash
 * changes with the file), and the extension's "ControlNet N" infotext entries.
 */
final class ControlNetJobs {
  /** ControlNets kept loaded between jobs. */
  private static final int KEEP = 2;

  private final ControlNetFolder folder;
  private final Map<String, ControlNetModel> loaded =
      new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ControlNetModel> e) {
          return size() > KEEP;
        }
      };

  ControlNetJobs(ControlNetFolder folder) {
    this.folder = folder;
  }

  ControlNetFolder folder() {
    return folder;
  }

  /**
   * The request's ControlNets: maps made (at the unit's processor resolution), models loaded; a
   * warning per map fitted to the image size.
   */
  GenerationRequest.Control control(
      List<ControlNetArgs.Unit> units,
      Txt2ImgRequest r,
      int width,
      int height,
      List<String> warnings) {
    List<ControlNetUnit> out = new ArrayList<>();
    for (ControlNetArgs.Unit u : units) {
      String who = "ControlNet " + u.index();
      BufferedImage picture = InitImages.decode(u.image() != null ? u.image() : r.init().image());
      // the extension's choose_input_image: the init image comes with img2img's resize mode
      ResizeMode resize = u.image() != null ? u.resize() : r.init().resizeMode();
      BufferedImage map =
          u.preprocessor().apply(picture, u.settings(picture, width, height, resize));
      if (map.getWidth() != width || map.getHeight() != height)
        warnings.add(
            who
                + ": the control map is "
                + map.getWidth()
                + "x"
                + map.getHeight()
                + "; fitted to "
                + width
                + "x"
                + height
                + " by "
                + ControlNetArgs.RESIZE_NAMES.get(resize.ordinal()));
      out.add(
          new ControlNetUnit(
              u.entry().title(),
              model(u),
              map,
              u.weight(),
              u.start(),
              u.end(),
              resize,
              u.controlMode()));
    }
    return new GenerationRequest.Control(out, units.get(0).guessMode());
  }

  private ControlNetModel model(ControlNetArgs.Unit u) {
    String key = u.entry().path() + "\n" + u.entry().title();
    ControlNetModel m = loaded.get(key);
    if (m == null) {
      m = ControlNetFolder.load(u.entry());
      loaded.put(key, m);
    }
    return m;
  }

  /** The images with the extension's "ControlNet N" entries added to their infotext. */
  static List<GeneratedImage> withInfotext(
      List<GeneratedImage> images, List<ControlNetArgs.Unit> units) {
    List<GeneratedImage> out = new ArrayList<>();
    for (GeneratedImage g : images) {
      Infotext t = g.infotext();
      Map<String, String> settings = new LinkedHashMap<>(t.settings());
      String version = settings.remove("Version"); // A1111 keeps Version last
      for (ControlNetArgs.Unit u : units) settings.put("ControlNet " + u.index(), u.infotext());
      if (version != null) settings.put("Version", version);
      out.add(
          new GeneratedImage(
              g.image(), g.seed(), new Infotext(t.prompt(), t.negativePrompt(), settings)));
    }
    return out;
  }
}
