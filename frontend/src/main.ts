import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { createAppRouter } from './router'
import { unlockAudio } from './utils/sound'
import './styles/main.css'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(createAppRouter())
app.mount('#app')

// Browsers start WebAudio only after a user gesture.
for (const ev of ['pointerdown', 'keydown'] as const) {
  document.addEventListener(ev, unlockAudio, { passive: true })
}
