package org.altdiffusion.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** The report's pictures, drawn with java.awt (headless): a bar chart and sample grids. */
public final class ReportCharts {
  private ReportCharts() {}

  /** One bar per language with its {@code value} (a figure >= 0: CLIP score, CLIP-FD) above it. */
  public static BufferedImage barChart(
      String title, List<BenchmarkReport.Row> rows, ToDoubleFunction<BenchmarkReport.Row> value) {
    int bar = 48, gap = 16, left = 60, top = 50, plot = 260;
    int width = left + rows.size() * (bar + gap) + gap;
    int titleWidth = left + 10 * title.length() + gap; // bold 16 px sans: under 10 px a character
    BufferedImage img =
        new BufferedImage(
            Math.max(width, Math.max(360, titleWidth)),
            top + plot + 50,
            BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    double max = 1;
    for (BenchmarkReport.Row r : rows) max = Math.max(max, value.applyAsDouble(r));
    max = Math.ceil(max / 10) * 10;
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.setColor(Color.BLACK);
    g.drawString(title, left, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int t = 0; t <= 4; t++) { // axis ticks
      int y = top + plot - (int) (plot * t / 4.0);
      g.setColor(new Color(225, 225, 225));
      g.drawLine(left, y, img.getWidth() - gap, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, max >= 40 ? "%.0f" : "%.1f", max * t / 4), 18, y + 4);
    }
    g.setStroke(new BasicStroke(1));
    for (int i = 0; i < rows.size(); i++) {
      BenchmarkReport.Row r = rows.get(i);
      int x = left + gap + i * (bar + gap);
      double v = value.applyAsDouble(r);
      int h = (int) Math.round(plot * v / max);
      g.setColor(new Color(66, 118, 190));
      g.fillRect(x, top + plot - h, bar, h);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.1f", v), x + 8, top + plot - h - 4);
      g.drawString(r.language(), x + bar / 2 - 7, top + plot + 18);
    }
    g.dispose();
    return img;
  }

  /** The pictures side by side, scaled to 128 pixels high. */
  public static BufferedImage grid(List<BufferedImage> images) {
    int side = 128;
    BufferedImage out =
        new BufferedImage(
            Math.max(1, images.size()) * (side + 4), side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    for (int i = 0; i < images.size(); i++)
      g.drawImage(images.get(i), i * (side + 4), 0, side, side, null);
    g.dispose();
    return out;
  }

  public static void writePng(BufferedImage img, Path file) throws IOException {
    if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer");
  }
}
