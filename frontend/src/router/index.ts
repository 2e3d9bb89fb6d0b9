import { createRouter, createWebHistory, type Router } from 'vue-router'
import { SECTION_PATTERN, openToEveryone } from '@/components/settings/sections'
import { useSessionStore } from '@/stores/session'
import LoginView from '@/views/LoginView.vue'
import SettingsView from '@/views/SettingsView.vue'
import WorkforceView from '@/views/WorkforceView.vue'
import WorkspaceView from '@/views/WorkspaceView.vue'
import ContactsView from '@/views/ContactsView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    admin?: boolean
    /** supervisors and admins (the reports) */
    lead?: boolean
  }
}

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory('/app/'),
    routes: [
      { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
      { path: '/', name: 'inbox', component: WorkspaceView },
      { path: '/c/:id(\\d+)', name: 'conversation', component: WorkspaceView },
      { path: '/reports', name: 'reports', component: () => import('@/views/ReportsView.vue'), meta: { lead: true } },
      { path: '/contacts', name: 'contacts', component: ContactsView },
      { path: '/contacts/:id(\\d+)', name: 'contact', component: ContactsView },
      { path: '/companies', name: 'companies', component: ContactsView },
      { path: `/settings/:section(${SECTION_PATTERN})?`, name: 'settings', component: SettingsView, meta: { admin: true } },
      { path: '/workforce', name: 'workforce', component: WorkforceView },
      { path: '/:rest(.*)*', redirect: '/' },
    ],
  })

  router.beforeEach(async (to) => {
    const session = useSessionStore()
    await session.ensureChecked()
    if (to.meta.public) return to.name === 'login' && session.me ? { path: '/' } : true
    if (!session.me) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
    // A role that must use 2FA reaches nothing else until it is on (the server agrees).
    if (session.me.two_factor_setup_required && !(to.name === 'settings' && to.params.section === 'security')) {
      return { name: 'settings', params: { section: 'security' } }
    }
    if (to.meta.lead && !session.isLead) return { path: '/' }
    if (to.meta.admin && !session.isAdmin && !openToEveryone(to.params.section)) return { path: '/' }
    return true
  })

  return router
}
