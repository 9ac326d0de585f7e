import { BrowserRouter, Navigate, Route, Routes } from 'react-router'
import { AuthGate } from './components/AuthGate'
import { AlertsPage } from './pages/AlertsPage'
import { LogsPage } from './pages/LogsPage'
import { OverviewPage } from './pages/OverviewPage'
import { PricingPage } from './pages/PricingPage'
import { SavingsPage } from './pages/SavingsPage'
import { SessionsPage } from './pages/SessionsPage'
import { AcceptPage } from './pages/AcceptPage'
import { TeamPage } from './pages/TeamPage'

export function App() {
  return (
    <BrowserRouter>
      <AuthGate>
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/logs" element={<LogsPage />} />
          <Route path="/sessions" element={<SessionsPage />} />
          <Route path="/sessions/:sessionId" element={<SessionsPage />} />
          <Route path="/savings" element={<SavingsPage />} />
          <Route path="/alerts" element={<AlertsPage />} />
          <Route path="/pricing" element={<PricingPage />} />
          <Route path="/team" element={<TeamPage />} />
          <Route path="/accept" element={<AcceptPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </AuthGate>
    </BrowserRouter>
  )
}
