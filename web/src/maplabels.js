// Map labels without glyphs. The maps have no font server (intranets are
// often offline), so text cannot be a MapLibre text-field; HTML markers
// did it, but each one is moved by the browser on every frame of a pan,
// which software rendering pays dearly. Here each label is drawn once with
// the page's own fonts into an image, and a symbol layer places the images
// with the map's other layers, in WebGL.

// labelImage returns an image of text with a dark halo, at the screen's
// pixel ratio, for map.addImage(id, image, {pixelRatio}).
export function labelImage(text, { size = 15, weight = 600, color = '#cfe6ff', halo = 3 } = {}) {
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const family = getComputedStyle(document.body).fontFamily || 'sans-serif';
  const font = `${weight} ${size * ratio}px ${family}`;
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = font;
  const pad = (halo + 3) * ratio;
  const width = Math.ceil(measure.measureText(text).width) + 2 * pad;
  const height = Math.ceil(size * 1.4 * ratio) + 2 * pad;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.font = font;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = 'rgba(0,0,0,0.85)';
  ctx.lineWidth = 2 * halo * ratio;
  ctx.strokeText(text, width / 2, height / 2);
  ctx.fillStyle = color;
  ctx.fillText(text, width / 2, height / 2);
  return { image: ctx.getImageData(0, 0, width, height), pixelRatio: ratio };
}

// addLabel adds the image of text to map under id unless it is there,
// and returns id.
export function addLabel(map, id, text, style) {
  if (!map.hasImage(id)) {
    const { image, pixelRatio } = labelImage(text, style);
    map.addImage(id, image, { pixelRatio });
  }
  return id;
}
