package org.altdiffusion.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws the loss of a run (raw in light blue, smoothed in dark blue) against the step, as a PNG.
 */
public final class LossCurve {
  private LossCurve() {}

  public static void write(List<double[]> points, String title, Path png) throws IOException {
    int w = 900;
    int h = 500;
    int left = 80;
    int right = 20;
    int top = 40;
    int bottom = 50;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.BLACK);
    g.drawString(title, left, 25);
    if (points.isEmpty()) {
      g.drawString("no finite loss recorded", left, h / 2);
      g.dispose();
      ImageIO.write(img, "png", png.toFile());
      return;
    }
    double x0 = points.get(0)[0];
    double x1 = points.get(points.size() - 1)[0];
    if (x1 <= x0) x1 = x0 + 1;
    double y0 = Double.MAX_VALUE;
    double y1 = -Double.MAX_VALUE;
    for (double[] p : points) {
      y0 = Math.min(y0, p[1]);
      y1 = Math.max(y1, p[1]);
    }
    if (y1 <= y0) y1 = y0 + Math.max(1e-6, Math.abs(y0) * 0.1);
    double pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    int pw = w - left - right;
    int ph = h - top - bottom;
    // axes and grid with 5 ticks each
    g.setColor(new Color(230, 230, 230));
    for (int i = 0; i <= 5; i++) {
      int y = top + ph - ph * i / 5;
      int x = left + pw * i / 5;
      g.drawLine(left, y, left + pw, y);
      g.drawLine(x, top, x, top + ph);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, pw, ph);
    for (int i = 0; i <= 5; i++) {
      double yv = y0 + (y1 - y0) * i / 5;
      double xv = x0 + (x1 - x0) * i / 5;
      g.drawString(String.format(Locale.ROOT, "%.4g", yv), 5, top + ph - ph * i / 5 + 4);
      g.drawString(String.format(Locale.ROOT, "%.0f", xv), left + pw * i / 5 - 10, top + ph + 18);
    }
    g.drawString("step", left + pw / 2 - 10, h - 10);
    g.drawString("loss", 5, top - 8);
    double[] smooth = new double[points.size()];
    double s = points.get(0)[1];
    for (int i = 0; i < points.size(); i++) {
      s = 0.9 * s + 0.1 * points.get(i)[1];
      smooth[i] = i == 0 ? points.get(0)[1] : s;
    }
    draw(g, points, null, x0, x1, y0, y1, left, top, pw, ph, new Color(150, 190, 235), 1f);
    draw(g, points, smooth, x0, x1, y0, y1, left, top, pw, ph, new Color(20, 60, 160), 2f);
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }

  private static void draw(
      Graphics2D g,
      List<double[]> points,
      double[] ys,
      double x0,
      double x1,
      double y0,
      double y1,
      int left,
      int top,
      int pw,
      int ph,
      Color color,
      float width) {
    Path2D.Double path = new Path2D.Double();
    for (int i = 0; i < points.size(); i++) {
      double x = left + (points.get(i)[0] - x0) / (x1 - x0) * pw;
      double y = top + ph - ((ys == null ? points.get(i)[1] : ys[i]) - y0) / (y1 - y0) * ph;
      if (i == 0) path.moveTo(x, y);
      else path.lineTo(x, y);
    }
    g.setColor(color);
    g.setStroke(new BasicStroke(width));
    g.draw(path);
  }
}
