// Prejoin: the page before joining. It starts the camera and microphone,
// shows a mirrored preview and a microphone level meter, lets the person
// pick devices and turn either off, and says in plain words what to do
// when a device is missing or not allowed. Joining stays possible without
// any device (listen-only).
import { show } from './i18n.js';

const VIDEO = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };

export class Prejoin {
  constructor(doc) {
    this.el = {
      preview: doc.getElementById('preview'),
      previewOff: doc.getElementById('preview-off'),
      mic: doc.getElementById('pre-mic'),
      camera: doc.getElementById('pre-camera'),
      micSelect: doc.getElementById('mic-select'),
      cameraSelect: doc.getElementById('camera-select'),
      speakerField: doc.getElementById('speaker-field'),
      speakerSelect: doc.getElementById('speaker-select'),
      level: doc.getElementById('level'),
      message: doc.getElementById('device-message'),
    };
    this.micTrack = null;
    this.cameraTrack = null;
    this.micOn = true;
    this.cameraOn = true;
    this.cameraBusy = null; // the camera change under way, if any
    this.el.mic.addEventListener('click', () => this.toggleMic());
    this.el.camera.addEventListener('click', () => this.toggleCamera());
    this.el.micSelect.addEventListener('change', () => this.switchDevice('audio'));
    this.el.cameraSelect.addEventListener('change', () => this.switchDevice('video'));
  }

  // start acquires the devices; ready settles when that is done, so a
  // quick click on Join still takes the camera and microphone along.
  start() {
    this.ready = this.cameraChange(() => this.acquireAll());
    return this.ready;
  }

  async acquireAll() {
    this.say('prejoin.starting');
    const { audio, video, problem } = await acquire(true, true);
    this.micTrack = audio;
    this.cameraTrack = video;
    this.cameraOn = !!video;
    this.micOn = !!audio;
    this.say(problem ? problem.key : 'prejoin.ready', problem?.params, !!problem);
    this.showPreview();
    this.startMeter();
    this.renderToggles();
    await this.listDevices();
  }

  // finish hands over the tracks and choices; the meter stops, the
  // tracks keep running into the meeting.
  async finish() {
    await this.ready;
    await this.cameraBusy;
    this.stopMeter();
    return {
      mic: this.micTrack,
      camera: this.cameraOn ? this.cameraTrack : null,
      micOn: this.micOn && !!this.micTrack,
      cameraOn: this.cameraOn && !!this.cameraTrack,
      cameraDeviceId: this.el.cameraSelect.value,
      speakerId: this.el.speakerField.hidden ? '' : this.el.speakerSelect.value,
    };
  }

  // say shows the state of the devices in words.
  say(key, params = {}, problem = false) {
    show(this.el.message, key, params);
    this.el.message.classList.toggle('problem', problem);
  }

  toggleMic() {
    if (!this.micTrack) return;
    this.micOn = !this.micOn;
    this.micTrack.enabled = this.micOn;
    this.renderToggles();
  }

  // toggleCamera turns the camera off (its light too) or on. A press
  // while the camera starts is ignored: two cameras would start, and one
  // would run on unseen.
  toggleCamera() {
    if (this.cameraBusy) return this.cameraBusy;
    return this.cameraChange(async () => {
      if (this.cameraOn) {
        this.cameraTrack?.stop();
        this.cameraTrack = null;
        this.cameraOn = false;
        return;
      }
      const { video, problem } = await acquire(false, true, { video: this.el.cameraSelect.value });
      if (video) {
        this.cameraTrack = video;
        this.cameraOn = true;
      } else if (problem) {
        this.say(problem.key, problem.params, true);
      }
    });
  }

  // cameraChange runs one change of the camera after any other, and shows
  // the outcome whether or not it worked.
  async cameraChange(change) {
    while (this.cameraBusy) await this.cameraBusy;
    this.cameraBusy = (async () => {
      try {
        await change();
      } finally {
        this.cameraBusy = null;
        this.showPreview();
        this.renderToggles();
      }
    })();
    return this.cameraBusy;
  }

  async switchDevice(kind) {
    if (kind === 'video') {
      await this.cameraChange(async () => {
        if (!this.cameraOn) return;
        const { video } = await acquire(false, true, { video: this.el.cameraSelect.value });
        if (!video) return;
        this.cameraTrack?.stop();
        this.cameraTrack = video;
      });
      return;
    }
    const { audio } = await acquire(true, false, { audio: this.el.micSelect.value });
    if (!audio) return;
    this.micTrack?.stop();
    this.micTrack = audio;
    audio.enabled = this.micOn;
    this.startMeter();
  }

  // renderToggles shows each device on or off, the buttons labelled
  // with what a press does.
  renderToggles() {
    renderToggle(this.el.mic, this.micOn && !!this.micTrack, this.micTrack ? ['control.mute', 'control.unmute'] : ['control.noMicrophone', 'control.noMicrophone']);
    this.el.mic.disabled = !this.micTrack;
    renderToggle(this.el.camera, this.cameraOn, ['control.cameraOff', 'control.cameraOn']);
  }

  showPreview() {
    this.el.preview.srcObject = this.cameraOn && this.cameraTrack ? new MediaStream([this.cameraTrack]) : null;
    this.el.previewOff.hidden = this.cameraOn && !!this.cameraTrack;
  }

  async listDevices() {
    let devices = [];
    try { devices = await navigator.mediaDevices.enumerateDevices(); } catch { return; }
    const fill = (select, kind, current) => {
      const list = devices.filter((d) => d.kind === kind && d.deviceId);
      select.replaceChildren(...list.map((d, i) => {
        const o = new Option(d.label, d.deviceId);
        if (!d.label) show(o, 'prejoin.defaultN', { n: i + 1 });
        return o;
      }));
      if (list.length === 0) {
        const o = new Option('', '');
        show(o, 'prejoin.default');
        select.append(o);
      }
      if (current) select.value = current;
      select.disabled = list.length < 2;
    };
    fill(this.el.micSelect, 'audioinput', this.micTrack?.getSettings().deviceId);
    fill(this.el.cameraSelect, 'videoinput', this.cameraTrack?.getSettings().deviceId);
    const canPickSpeaker = 'setSinkId' in HTMLMediaElement.prototype && devices.some((d) => d.kind === 'audiooutput' && d.deviceId);
    this.el.speakerField.hidden = !canPickSpeaker;
    if (canPickSpeaker) fill(this.el.speakerSelect, 'audiooutput', '');
  }

  startMeter() {
    this.stopMeter();
    if (!this.micTrack) return;
    try {
      const ctx = new AudioContext();
      const source = ctx.createMediaStreamSource(new MediaStream([this.micTrack]));
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const timer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const s of samples) sum += s * s;
        const rms = Math.sqrt(sum / samples.length);
        this.el.level.value = this.micOn ? Math.min(1, rms * 4) : 0;
      }, 80);
      ctx.resume().catch(() => {});
      this.meter = { ctx, timer };
    } catch {
      // No Web Audio: the meter stays still; nothing else depends on it.
    }
  }

  stopMeter() {
    if (!this.meter) return;
    clearInterval(this.meter.timer);
    this.meter.ctx.close().catch(() => {});
    this.meter = null;
    this.el.level.value = 0;
  }
}

// renderToggle shows a microphone or camera button on or off (data-on,
// styled red and slashed when off), its label saying what a press does:
// labels is [the label when on, the label when off].
export function renderToggle(button, on, labels) {
  button.dataset.on = String(on);
  show(button.querySelector('.label'), labels[on ? 0 : 1]);
}

// acquire gets a microphone and/or camera track, falling back to whatever
// works, and reports the problem in words for the person.
export async function acquire(wantAudio, wantVideo, deviceIds = {}) {
  const audioC = deviceIds.audio ? { deviceId: { exact: deviceIds.audio } } : true;
  const videoC = deviceIds.video ? { ...VIDEO, deviceId: { exact: deviceIds.video } } : VIDEO;
  const get = async (audio, video) => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: audio ? audioC : false, video: video ? videoC : false });
    return { audio: stream.getAudioTracks()[0] || null, video: stream.getVideoTracks()[0] || null };
  };
  try {
    return await get(wantAudio, wantVideo);
  } catch (err) {
    if (err.name === 'NotAllowedError' || err.name === 'SecurityError') {
      return { audio: null, video: null, problem: { key: 'prejoin.permissionDenied' } };
    }
    if (!(wantAudio && wantVideo)) {
      return { audio: null, video: null, problem: problemFor(err, wantAudio ? 'prejoin.noMicrophone' : 'prejoin.noCamera') };
    }
    // One of the two may work alone.
    const audioOnly = await get(true, false).catch(() => null);
    if (audioOnly) return { ...audioOnly, problem: problemFor(err, 'prejoin.noCamera') };
    const videoOnly = await get(false, true).catch(() => null);
    if (videoOnly) return { ...videoOnly, problem: problemFor(err, 'prejoin.noMicrophone') };
    return { audio: null, video: null, problem: problemFor(err, 'prejoin.noDevices') };
  }
}

function problemFor(err, notFoundKey) {
  if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError') return { key: notFoundKey };
  return { key: 'prejoin.deviceError', params: { error: err.name || String(err) } };
}
